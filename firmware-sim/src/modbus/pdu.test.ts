import { describe, expect, it } from 'vitest';
import { createSimDevice, MODBUS_SIM_TEMPLATES } from './devices.js';
import { crc16, handlePdu } from './pdu.js';

const read = (fc: number, addr: number, qty: number): Buffer => Buffer.from([fc, addr >> 8, addr & 0xff, qty >> 8, qty & 0xff]);

describe('handlePdu', () => {
  it('reads holding registers and answers exception 02 past the table', () => {
    let now = 0;
    const dev = createSimDevice('energy-meter-1p', { now: () => now });
    const res = handlePdu(dev, read(3, 0, 12))!;
    expect(res[0]).toBe(3);
    expect(res[1]).toBe(24);
    expect(res.readFloatBE(2)).toBeGreaterThan(220); // voltage_v
    expect([...handlePdu(dev, read(3, 10, 4))!]).toEqual([0x83, 0x02]);
    now = 1;
  });

  it('stays silent or answers exception 02 on request', () => {
    const dev = createSimDevice('fresh-air-unit');
    dev.mode = 'silent';
    expect(handlePdu(dev, read(3, 0, 6))).toBeNull();
    dev.mode = 'exception';
    expect([...handlePdu(dev, read(3, 0, 6))!]).toEqual([0x83, 0x02]);
  });

  it('writes a relay coil and refuses an out-of-range setpoint', () => {
    const relay = createSimDevice('lighting-relay-8ch');
    expect([...handlePdu(relay, Buffer.from([5, 0, 6, 0xff, 0]))!]).toEqual([5, 0, 6, 0xff, 0]);
    expect(relay.tables.coils[6]).toBe(true);
    const ac = createSimDevice('air-conditioner');
    expect([...handlePdu(ac, Buffer.from([6, 0, 2, 0, 240]))!]).toEqual([6, 0, 2, 0, 240]);
    expect(ac.tables.holding[2]).toBe(240);
    expect([...handlePdu(ac, Buffer.from([6, 0, 2, 0x01, 0x90]))!]).toEqual([0x86, 0x03]); // 40.0 °C
  });

  it('keeps cumulative counters growing', () => {
    let now = 1_700_000_000_000;
    for (const template of ['energy-meter-1p', 'water-meter', 'solar-inverter'] as const) {
      const dev = createSimDevice(template, { now: () => now });
      let prev = -1;
      for (let i = 0; i < 50; i++) {
        now += 60_000;
        const res = handlePdu(dev, read(3, template === 'water-meter' ? 0 : template === 'solar-inverter' ? 6 : 10, 2))!;
        const v = res.readUInt32BE(2);
        expect(v).toBeGreaterThanOrEqual(prev);
        prev = v;
      }
    }
  });

  it('answers a full read of every template map', () => {
    for (const t of MODBUS_SIM_TEMPLATES) {
      const dev = createSimDevice(t);
      const { coils, discrete, input, holding } = dev.tables;
      if (coils.length) expect(handlePdu(dev, read(1, 0, coils.length))![0]).toBe(1);
      if (discrete.length) expect(handlePdu(dev, read(2, 0, discrete.length))![0]).toBe(2);
      if (input.length) expect(handlePdu(dev, read(4, 0, input.length))![0]).toBe(4);
      if (holding.length) expect(handlePdu(dev, read(3, 0, holding.length))![0]).toBe(3);
    }
  });
});

describe('crc16', () => {
  it('matches the Modbus over Serial Line example (01 03 00 00 00 0A → C5 CD)', () => {
    expect(crc16(Buffer.from([1, 3, 0, 0, 0, 10]))).toBe(0xcdc5);
  });
});
