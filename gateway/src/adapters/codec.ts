/** Binds the adapters to the template engine's transport half: register spans, serial framing, Modbus writes. */
import { encodeModbusWrite, registerSpans, serialSettings } from '../templates/index.js';
import type { AdapterCodec } from './types.js';

export const templateCodec: AdapterCodec = { registerSpans, encodeModbusWrite, serialSettings };
