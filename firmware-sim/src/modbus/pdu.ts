/**
 * Modbus PDU handling shared by the TCP (MBAP) and RTU (CRC) framings, per the
 * Modbus Application Protocol Specification v1.1b3 §6: FC01/02/03/04 reads,
 * FC05/06 single writes, FC15/16 multiple writes. Exception codes §7:
 * 01 illegal function, 02 illegal data address, 03 illegal data value.
 */
export interface RegisterTables {
  coils: boolean[];
  discrete: boolean[];
  input: Uint16Array;
  holding: Uint16Array;
}

/** garbage: answers with a corrupted frame (bad CRC on RTU, a truncated PDU on TCP). */
export type UnitMode = 'normal' | 'silent' | 'exception' | 'garbage';

export interface PduTarget {
  tables: RegisterTables;
  mode: UnitMode;
  /** Refresh moving values before a read. */
  refresh(): void;
  /** Accept or refuse (exception 03) a write; the default is to accept it. */
  acceptWrite?(table: 'coils' | 'holding', address: number, value: number | boolean): boolean;
  onWrite?(table: 'coils' | 'holding', address: number): void;
}

export function exception(fc: number, code: number): Buffer {
  return Buffer.from([fc | 0x80, code]);
}

function packBits(bits: readonly boolean[]): Buffer {
  const out = Buffer.alloc(Math.ceil(bits.length / 8));
  bits.forEach((b, i) => { if (b) out[i >> 3]! |= 1 << (i & 7); });
  return out;
}

/** Returns the response PDU, or null when the unit stays silent. */
export function handlePdu(target: PduTarget, pdu: Buffer): Buffer | null {
  if (target.mode === 'silent') return null;
  const fc = pdu[0] ?? 0;
  if (pdu.length < 5) return exception(fc, 0x03);
  if (target.mode === 'exception') return exception(fc, 0x02);
  const t = target.tables;
  const addr = pdu.readUInt16BE(1);
  const qty = pdu.readUInt16BE(3);
  switch (fc) {
    case 0x01:
    case 0x02: {
      const table = fc === 1 ? t.coils : t.discrete;
      if (qty < 1 || qty > 2000) return exception(fc, 0x03);
      if (addr + qty > table.length) return exception(fc, 0x02);
      target.refresh();
      const bytes = packBits(table.slice(addr, addr + qty));
      return Buffer.concat([Buffer.from([fc, bytes.length]), bytes]);
    }
    case 0x03:
    case 0x04: {
      const table = fc === 3 ? t.holding : t.input;
      if (qty < 1 || qty > 125) return exception(fc, 0x03);
      if (addr + qty > table.length) return exception(fc, 0x02);
      target.refresh();
      const out = Buffer.alloc(2 + qty * 2);
      out[0] = fc;
      out[1] = qty * 2;
      for (let i = 0; i < qty; i++) out.writeUInt16BE(table[addr + i]!, 2 + i * 2);
      return out;
    }
    case 0x05: {
      if (qty !== 0xff00 && qty !== 0x0000) return exception(fc, 0x03);
      if (addr >= t.coils.length) return exception(fc, 0x02);
      if (!write(target, 'coils', addr, qty === 0xff00)) return exception(fc, 0x03);
      return Buffer.from(pdu.subarray(0, 5));
    }
    case 0x06: {
      if (addr >= t.holding.length) return exception(fc, 0x02);
      if (!write(target, 'holding', addr, qty)) return exception(fc, 0x03);
      return Buffer.from(pdu.subarray(0, 5));
    }
    case 0x0f:
    case 0x10: {
      const table = fc === 0x0f ? t.coils : t.holding;
      if (addr + qty > table.length) return exception(fc, 0x02);
      const data = pdu.subarray(6);
      for (let i = 0; i < qty; i++) {
        const ok = fc === 0x0f
          ? write(target, 'coils', addr + i, ((data[i >> 3] ?? 0) >> (i & 7) & 1) === 1)
          : write(target, 'holding', addr + i, data.length >= i * 2 + 2 ? data.readUInt16BE(i * 2) : 0);
        if (!ok) return exception(fc, 0x03);
      }
      return Buffer.from(pdu.subarray(0, 5));
    }
    default:
      return exception(fc, 0x01);
  }
}

function write(target: PduTarget, table: 'coils' | 'holding', address: number, value: number | boolean): boolean {
  if (target.acceptWrite && !target.acceptWrite(table, address, value)) return false;
  if (table === 'coils') target.tables.coils[address] = Boolean(value);
  else target.tables.holding[address] = Number(value);
  target.onWrite?.(table, address);
  return true;
}

/** Modbus RTU CRC-16 (poly 0xA001, init 0xFFFF), appended low byte first. */
export function crc16(buf: Uint8Array): number {
  let crc = 0xffff;
  for (const b of buf) {
    crc ^= b;
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}
