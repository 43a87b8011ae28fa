/**
 * The template engine's public API: the template format, its validation, the
 * per-transport decoders, the catalog (the loaded templates, with hot reload) and `templates check`.
 */
export type { FieldValue, Reading } from '../core/reading.js';
export type { FieldDef, FieldType, Template, MqttTemplate, ModbusTemplate, SerialTemplate, ModbusPoint, LineRule } from './schema.js';
export { templateSchema, fieldSchema } from './schema.js';
export { behaviourSchema } from './behaviour.js';
export type { Behaviour, Condition } from './behaviour.js';
export type { DecodeResult, RejectCode } from './result.js';
export { REJECT_CODES } from './result.js';
export { decodeMqtt } from './mqtt-decode.js';
export { decodeModbus, encodeModbusWrite, registerSpans } from './modbus-decode.js';
export type { RegisterBlocks, RegisterSpan, WriteResult } from './modbus-decode.js';
export { decodeSerialLine, serialSettings } from './serial-decode.js';
export type { SerialSettings } from './serial-decode.js';
export { validateTemplate, crossCheck } from './validate.js';
export type { Validation } from './validate.js';
export { defaultTemplatesDir, loadAll, loadTemplateDir } from './load.js';
export type { LoadedTemplate, TemplateProblem } from './load.js';
export { createTemplateCatalog } from './catalog.js';
export type { TemplateCatalog, TemplateCatalogOptions } from './catalog.js';
export { checkTemplates, runTemplatesCheckCli } from './check.js';
export type { TemplatesReport } from './check.js';
export { checkSamples, samplesSchema } from './samples.js';
export type { Samples } from './samples.js';
