/**
 * The serial simulators on a real socat pty pair, read with serialport: the
 * projector answers PJLink queries; the others stream their lines; noise mode
 * mixes in garbage and bad checksums.
 */
import { SerialPort } from 'serialport';
import { ReadlineParser } from '@serialport/parser-readline';
import { afterEach, describe, expect, it } from 'vitest';
import { createPtyPair } from '../../gateway/test/kit/index.js';
import { createSerialSim, nmeaChecksum, type SerialSimOptions } from '../src/serial/index.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function rig(o: Omit<SerialSimOptions, 'path'>, delimiter = '\r\n') {
  const pair = await createPtyPair();
  cleanups.push(() => pair.stop());
  const sim = createSerialSim({ ...o, path: pair.b });
  await sim.start();
  cleanups.push(() => sim.stop());
  const port = new SerialPort({ path: pair.a, baudRate: 9600 });
  cleanups.push(() => new Promise<void>((r) => (port.isOpen ? port.close(() => r()) : r())));
  const lines: string[] = [];
  port.pipe(new ReadlineParser({ delimiter })).on('data', (l: string) => lines.push(l));
  await new Promise<void>((r) => port.once('open', () => r()));
  return { sim, port, lines };
}

async function waitFor(cond: () => boolean): Promise<void> {
  const until = Date.now() + 20_000;
  while (!cond()) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('serial simulators', () => {
  it('the projector answers PJLink queries, CR-terminated', async () => {
    const { sim, port, lines } = await rig({ template: 'projector' }, '\r');
    sim.projector.errors[4] = 1;
    port.write('%1POWR ?\r%1LAMP ?\r%1ERST ?\r%1INPT ?\r');
    await waitFor(() => lines.length >= 4);
    expect(lines[0]).toBe('%1POWR=1');
    expect(lines[1]).toMatch(/^%1LAMP=15\d\d 1$/);
    expect(lines[2]).toBe('%1ERST=000010');
    expect(lines[3]).toBe('%1INPT=ERR1');
    expect(sim.queries).toBe(4);
  });

  it('the clicker base, fitness station and noise meter stream valid lines', async () => {
    const clicker = await rig({ template: 'response-clicker', intervalMs: 10 });
    const fitness = await rig({ template: 'fitness-test-station', intervalMs: 10 });
    const noise = await rig({ template: 'noise-meter', intervalMs: 10 });
    await waitFor(() => clicker.lines.length >= 20 && fitness.lines.length >= 20 && noise.lines.length >= 20);
    for (const l of clicker.lines) expect(l).toMatch(/^(ANS,C-\d{4},\d+,[A-F],\d+|HB,BASE-01,\d+)$/);
    for (const l of fitness.lines) expect(l).toMatch(/^FT,S2023\d{3},(HEIGHT,[\d.]+,cm|WEIGHT,[\d.]+,kg|VC,\d+,ml|SITREACH,-?[\d.]+,cm|RUN50,[\d.]+,s)$/);
    for (const l of noise.lines) {
      const m = /^\$(NOISE,[\d.]+,[\d.]+,A)\*([0-9A-F]{2})$/.exec(l);
      expect(m, l).not.toBeNull();
      expect(m![2]).toBe(nmeaChecksum(m![1]!));
    }
  });

  it('noise mode sends garbage and bad checksums among good sentences', async () => {
    const { lines } = await rig({ template: 'noise-meter', intervalMs: 5, mode: 'noise', seed: 5 });
    await waitFor(() => lines.length >= 60);
    const good = lines.filter((l) => {
      const m = /^\$(NOISE,[\d.]+,[\d.]+,A)\*([0-9A-F]{2})$/.exec(l);
      return m !== null && m[2] === nmeaChecksum(m[1]!);
    });
    const badSum = lines.filter((l) => {
      const m = /^\$(NOISE,[\d.]+,[\d.]+,A)\*([0-9A-F]{2})$/.exec(l);
      return m !== null && m[2] !== nmeaChecksum(m[1]!);
    });
    expect(good.length).toBeGreaterThan(0);
    expect(badSum.length).toBeGreaterThan(0);
    expect(lines.length - good.length - badSum.length).toBeGreaterThan(0);
  });
});
