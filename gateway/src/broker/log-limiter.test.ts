import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createLogLimiter, quote } from './log-limiter.js';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const dest = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      cb();
    },
  });
  return { lines, log: pino({ level: 'warn' }, dest) };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('log limiter', () => {
  it('logs one line per key per interval, then reports how many were suppressed', async () => {
    const { lines, log } = capture();
    let t = 0;
    const warn = createLogLimiter(log, { intervalMs: 1000, now: () => t });
    for (let i = 0; i < 5; i++) warn('k', { n: i }, 'm');
    t = 1000;
    warn('k', { n: 9 }, 'm');
    await tick();
    expect(lines.map((l) => [l.n, l.suppressed])).toEqual([[0, undefined], [9, 4]]);
  });

  it('caps lines over all keys per interval, and says how many it dropped', async () => {
    const { lines, log } = capture();
    let t = 0;
    const warn = createLogLimiter(log, { intervalMs: 1000, maxLinesPerInterval: 3, now: () => t });
    for (let i = 0; i < 50; i++) warn(`addr-${i}`, { i }, 'm');
    t = 1000;
    warn('late', {}, 'm');
    await tick();
    expect(lines).toHaveLength(4);
    expect(lines[3]).toMatchObject({ warnings_dropped: 47 });
  });

  it('cuts a quoted string to a bounded length and says how much was cut', () => {
    expect(quote('short')).toBe('short');
    expect(quote(undefined)).toBeUndefined();
    const q = quote('x'.repeat(60_000));
    expect(q?.length).toBeLessThan(160);
    expect(q).toMatch(/\(\+59872 chars\)$/);
  });
});
