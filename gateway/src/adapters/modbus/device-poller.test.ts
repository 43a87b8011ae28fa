import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ModbusAdapterConfig } from '../../config/schema.js';
import type { Template } from '../../templates/schema.js';
import type { AdapterCodec, AdapterRejection, ModbusRead, SerialLines } from '../types.js';
import { createDevicePoller } from './device-poller.js';
import { LineError, type ModbusClient, type ModbusLine } from './line.js';

const cfg: ModbusAdapterConfig = { transport: 'tcp', host: 'h', port: 502, unitId: 1, template: 't', deviceId: 'd1', intervalMs: 1_000, timeoutMs: 200, retries: 1, baudRate: 9600 };
const template = { id: 't', transport: 'modbus' } as unknown as Template;
const codec: AdapterCodec = {
  registerSpans: () => [{ table: 'holding', address: 0, count: 2 }, { table: 'holding', address: 2, count: 1 }],
  encodeModbusWrite: () => ({ ok: false, code: 'not_writable', reason: 'x' }),
  serialSettings: () => { throw new Error('not serial'); },
};

/** A line whose behaviour the test sets: answer after `delayMs`, or fail. */
function fakeLine() {
  const state = { delayMs: 0, fail: undefined as LineError | undefined, inFlight: 0, maxInFlight: 0, requests: 0 };
  const line: ModbusLine = {
    key: 'fake',
    queued: 0,
    async close() { /* nothing */ },
    async request<T>(_unit: number, _timeout: number, run: (c: ModbusClient) => Promise<T>): Promise<T> {
      state.requests++;
      state.inFlight++;
      state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
      try {
        await new Promise((r) => setTimeout(r, state.delayMs));
        if (state.fail) throw state.fail;
        const client = { readHoldingRegisters: async (_a: number, n: number) => ({ data: Array.from({ length: n }, (_, i) => i + 40) }) };
        return await run(client as unknown as ModbusClient);
      } finally {
        state.inFlight--;
      }
    },
  };
  return { line, state };
}

function sink() {
  const s = { readings: 0, rejected: [] as AdapterRejection[], down: 0, last: undefined as ModbusRead | SerialLines | undefined };
  return { s, sink: { receive: (input: ModbusRead | SerialLines) => { s.readings++; s.last = input; }, rejected: (r: AdapterRejection) => { s.rejected.push(r); }, deviceSeen: (_d: string, ok: boolean) => { if (!ok) s.down++; } } };
}

const log = pino({ level: 'silent' });
beforeEach(() => { vi.useFakeTimers(); });
afterEach(() => { vi.useRealTimers(); });

describe('createDevicePoller', () => {
  it('reads the merged plan once per interval, on a fixed cadence', async () => {
    const { line, state } = fakeLine();
    const { s, sink: out } = sink();
    const p = createDevicePoller(cfg, { log, line, template, codec, sink: out, now: () => Date.now(), firstDelayMs: 250 });
    p.start();
    await vi.advanceTimersByTimeAsync(250 + 9 * 1_000 + 10);
    expect(s.readings).toBe(10);
    // Raw registers for the pipeline: nothing decoded here.
    expect(s.last).toMatchObject({ transport: 'modbus', device: 'd1', template: 't' });
    expect(s.last?.transport === 'modbus' && [...(s.last.registers.holding ?? [])]).toEqual([[0, 40], [1, 41], [2, 42]]);
    expect(state.requests).toBe(10); // two adjacent spans merged: one request per poll
    expect(p.stats()).toMatchObject({ polls: 10, errors: 0, timeouts: 0, overruns: 0, lateness_p99_ms: 0 });
    await p.stop();
  });

  it('retries, then backs off a dead device, and returns to its cadence when it answers', async () => {
    const { line, state } = fakeLine();
    const { s, sink: out } = sink();
    state.fail = new LineError('timeout', 'timed out');
    const p = createDevicePoller(cfg, { log, line, template, codec, sink: out, now: () => Date.now(), firstDelayMs: 0 });
    p.start();
    await vi.advanceTimersByTimeAsync(120_000);
    const dead = p.stats();
    expect(dead.timeouts).toBe(dead.polls * 2); // one retry per poll
    expect(dead.polls).toBeGreaterThan(4);
    expect(dead.polls).toBeLessThan(20); // not 120: backoff up to 30 s
    expect(s.down).toBe(dead.polls);
    expect(s.rejected).toEqual([]); // silence is not a bad reading
    state.fail = undefined;
    await vi.advanceTimersByTimeAsync(30_000);
    const readings = s.readings;
    expect(readings).toBeGreaterThan(0);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(s.readings - readings).toBe(10);
    await p.stop();
  });

  it('rejects an exception answer with a reason and does not retry it', async () => {
    const { line, state } = fakeLine();
    const { s, sink: out } = sink();
    state.fail = new LineError('exception', 'exception 2: Illegal data address', 2);
    const p = createDevicePoller(cfg, { log, line, template, codec, sink: out, now: () => Date.now(), firstDelayMs: 0 });
    p.start();
    await vi.advanceTimersByTimeAsync(10);
    expect(state.requests).toBe(1);
    expect(s.rejected).toEqual([{ device: 'd1', template: 't', code: 'device_error', reason: 'modbus exception 2: Illegal data address' }]);
    await p.stop();
  });

  it('never overlaps its own polls: a slow answer skips slots and counts them', async () => {
    const { line, state } = fakeLine();
    const { s, sink: out } = sink();
    state.delayMs = 1_200; // 1.2 s per poll at a 1 s interval: every other slot is skipped
    const p = createDevicePoller({ ...cfg, timeoutMs: 5_000 }, { log, line, template, codec, sink: out, now: () => Date.now(), firstDelayMs: 0 });
    p.start();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(state.maxInFlight).toBe(1);
    expect(s.readings).toBe(15); // polls start at 0, 2, 4 … 28 s
    expect(p.stats().overruns).toBe(15);
    const stopping = p.stop(); // waits for the poll in flight
    await vi.advanceTimersByTimeAsync(1_200);
    await stopping;
    expect(s.readings).toBe(16);
  });
});
