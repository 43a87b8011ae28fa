/**
 * Read planning: turns a template's register spans into as few Modbus read
 * requests as possible. Pure. Spans of one table are sorted and merged greedily
 * while the request stays within the protocol limit (125 registers for FC03/04,
 * 2000 bits for FC01/02 — Modbus Application Protocol v1.1b3 §6.1–6.4) and the
 * hole between two spans is at most `maxGap` addresses (reading a few unused
 * registers is cheaper than another round trip). A span is never split.
 */
import { GatewayError } from '../../errors.js';

export type ModbusTable = 'coil' | 'discrete' | 'input' | 'holding';

export interface RegisterSpan {
  table: ModbusTable;
  address: number;
  count: number;
}

export interface ReadRequest extends RegisterSpan {
  /** Modbus function code: 01 coils, 02 discrete inputs, 03 holding, 04 input registers. */
  fc: 1 | 2 | 3 | 4;
}

export interface PlanOptions {
  /** Max registers per FC03/04 request (protocol max 125). */
  maxRegisters?: number;
  /** Max bits per FC01/02 request (protocol max 2000). */
  maxBits?: number;
  /** Max unused addresses allowed between two merged spans. */
  maxGap?: number;
}

export const FUNCTION_CODE: Record<ModbusTable, 1 | 2 | 3 | 4> = { coil: 1, discrete: 2, holding: 3, input: 4 };
const TABLE_ORDER: readonly ModbusTable[] = ['coil', 'discrete', 'holding', 'input'];

export class PlanError extends GatewayError {
  constructor(message: string) {
    super('GW_ERR_MODBUS_PLAN', message);
    this.name = 'PlanError';
  }
}

export function planRegisterReads(spans: readonly RegisterSpan[], options: PlanOptions = {}): ReadRequest[] {
  const maxRegisters = Math.min(options.maxRegisters ?? 125, 125);
  const maxBits = Math.min(options.maxBits ?? 2000, 2000);
  const maxGap = Math.max(0, options.maxGap ?? 8);
  const out: ReadRequest[] = [];
  for (const table of TABLE_ORDER) {
    const limit = table === 'coil' || table === 'discrete' ? maxBits : maxRegisters;
    const sorted = spans
      .filter((s) => s.table === table)
      .map((s) => {
        if (!Number.isInteger(s.address) || s.address < 0 || s.address > 0xffff) throw new PlanError(`bad ${table} address ${s.address}`);
        if (!Number.isInteger(s.count) || s.count < 1 || s.count > limit) throw new PlanError(`bad ${table} span length ${s.count} at ${s.address} (1–${limit})`);
        if (s.address + s.count > 0x10000) throw new PlanError(`${table} span at ${s.address} runs past 65535`);
        return { start: s.address, end: s.address + s.count };
      })
      .sort((a, b) => a.start - b.start || a.end - b.end);
    let cur: { start: number; end: number } | undefined;
    for (const s of sorted) {
      if (cur && s.start - cur.end <= maxGap && Math.max(cur.end, s.end) - cur.start <= limit) {
        cur.end = Math.max(cur.end, s.end);
        continue;
      }
      if (cur) out.push({ table, fc: FUNCTION_CODE[table], address: cur.start, count: cur.end - cur.start });
      cur = { ...s };
    }
    if (cur) out.push({ table, fc: FUNCTION_CODE[table], address: cur.start, count: cur.end - cur.start });
  }
  return out;
}

/** Splits the answers of planned requests back into per-address maps, the shape the template decoder takes. */
export interface RegisterBlocks {
  coil?: Map<number, boolean>;
  discrete?: Map<number, boolean>;
  input?: Map<number, number>;
  holding?: Map<number, number>;
}

export function addToBlocks(blocks: RegisterBlocks, req: ReadRequest, data: readonly (number | boolean)[]): void {
  if (req.table === 'coil' || req.table === 'discrete') {
    const m = (blocks[req.table] ??= new Map<number, boolean>());
    for (let i = 0; i < req.count; i++) m.set(req.address + i, Boolean(data[i]));
  } else {
    const m = (blocks[req.table] ??= new Map<number, number>());
    for (let i = 0; i < req.count; i++) m.set(req.address + i, Number(data[i] ?? 0));
  }
}
