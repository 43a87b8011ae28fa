/** Binds the adapters to the template engine's Modbus and serial functions. */
import { decodeModbus, decodeSerialLine, encodeModbusWrite, registerSpans, serialSettings } from '../templates/index.js';
import type { AdapterCodec } from './types.js';

export const templateCodec: AdapterCodec = { registerSpans, decodeModbus, encodeModbusWrite, serialSettings, decodeSerialLine };
