/** Binds the adapters to the template engine's Modbus and serial functions. */
import { decodeModbus, encodeModbusWrite, registerSpans } from '../templates/modbus-decode.js';
import { decodeSerialLine, serialSettings } from '../templates/serial-decode.js';
import type { AdapterCodec } from './types.js';

export const templateCodec: AdapterCodec = { registerSpans, decodeModbus, encodeModbusWrite, serialSettings, decodeSerialLine };
