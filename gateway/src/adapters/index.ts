export { createModbusAdapter, AdapterConfigError, type ModbusAdapterOptions } from './modbus/adapter.js';
export { planRegisterReads, type ReadRequest, type RegisterSpan, type PlanOptions } from './modbus/plan.js';
export { createSerialAdapter, type SerialAdapterOptions } from './serial/adapter.js';
export type { Adapter, AdapterDeps, AdapterSink, AdapterRejection, ModbusRead, SerialLines, DeviceStats, WriteResult, TemplateSource } from './types.js';
