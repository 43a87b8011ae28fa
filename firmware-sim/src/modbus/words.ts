/** Register encoders for the catalog's raw types (the device catalog (docs/devices) "Conventions"). */
export type WordOrder = 'ABCD' | 'CDAB';

function put(regs: Uint16Array, addr: number, hi: number, lo: number, order: WordOrder): void {
  regs[addr] = order === 'ABCD' ? hi : lo;
  regs[addr + 1] = order === 'ABCD' ? lo : hi;
}

export function setF32(regs: Uint16Array, addr: number, value: number, order: WordOrder = 'ABCD'): void {
  const b = Buffer.alloc(4);
  b.writeFloatBE(value);
  put(regs, addr, b.readUInt16BE(0), b.readUInt16BE(2), order);
}

/** Unsigned 32-bit of `value / scale`, rounded; wraps like a real counter at 2^32. */
export function setU32(regs: Uint16Array, addr: number, value: number, scale = 1, order: WordOrder = 'ABCD'): void {
  const raw = Math.round(value / scale) >>> 0;
  put(regs, addr, raw >>> 16, raw & 0xffff, order);
}

export function setU16(regs: Uint16Array, addr: number, value: number, scale = 1): void {
  regs[addr] = Math.max(0, Math.min(0xffff, Math.round(value / scale)));
}

export function setI16(regs: Uint16Array, addr: number, value: number, scale = 1): void {
  const raw = Math.max(-0x8000, Math.min(0x7fff, Math.round(value / scale)));
  regs[addr] = raw & 0xffff;
}

export function getI16(regs: Uint16Array, addr: number, scale = 1): number {
  const raw = regs[addr] ?? 0;
  return (raw >= 0x8000 ? raw - 0x10000 : raw) * scale;
}
