/**
 * The embedded store alone (no broker, no load generator) in phases of a fixed rate, to see what
 * one load leaves behind for the next: `t` is 5,000 telemetry readings a second from 100 devices,
 * one reading a write; `p` is ten classrooms of pens, 400 writes a second of 100 points each
 * (40,000 points a second). Each write's time until the store resolves it (committed and
 * fdatasynced) is its latency. Per phase: p99, p99.9, writes over 10 ms, the worst, CPU per
 * reading, and the times the write-ahead log started over so far. A run takes ~50 s, so a
 * change to the store can be compared in turn (A B A B) where the whole latency section is too
 * noisy (DEVELOPERS.md).
 * Run: node --import tsx gateway/bench/embedded-phases.ts [phases, default t,p,t,p,t] [seconds per phase, default 10]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Reading } from '../src/core/reading.js';
import { silentLogger } from '../src/log.js';
import { createEmbeddedStore } from '../src/store/embedded-store.js';
import { latencySummary, round } from './lib/stats.js';

const phases = (process.argv[2] ?? 't,p,t,p,t').split(',');
const seconds = Number(process.argv[3] ?? 10);
if (phases.some((p) => p !== 't' && p !== 'p') || !(seconds > 0)) {
  throw new Error('usage: embedded-phases.ts [phases of t (telemetry) and p (pens), e.g. t,p,t] [seconds per phase]');
}

const telemetry = (i: number): Reading[] => [{
  template: 'classroom-light', device: `bench-R-${i % 100}`, ts: Date.now() * 10 + (i % 10), tags: {},
  fields: { on: true, brightness_pct: i % 100, cct_k: 5000, lux: 512, power_w: 36.5 },
}];
const stroke = (i: number): Reading[] => {
  const t0 = Date.now() * 10 + i * 1_000;
  return Array.from({ length: 100 }, (_, k) => ({
    template: 'smart-pen', device: `P-lat-${i % 400}`, ts: t0 + k * 10, tags: { page: '8.12.33.1' },
    fields: { x: 1000 + k * 3, y: 850 + (k % 7), pressure: 400 + k, stroke: 1 },
  }));
};

const dir = mkdtempSync(join(tmpdir(), 'embedded-phases-'));
const store = createEmbeddedStore({ path: dir, retentionDays: 30, siteTags: { site: 'bench' } }, { log: silentLogger() });
await store.start();
try {
  for (const phase of phases) {
    const rate = phase === 't' ? 5_000 : 400;
    const make = phase === 't' ? telemetry : stroke;
    const total = rate * seconds;
    const latencies: number[] = [];
    const pending: Promise<void>[] = [];
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let sent = 0;
    // Open loop: each write when it is due, whatever the earlier ones are doing.
    await new Promise<void>((resolve) => {
      const tick = (): void => {
        const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate));
        while (sent < due) {
          const at = performance.now();
          pending.push(store.write(make(sent++)).then(() => { latencies.push(performance.now() - at); }));
        }
        if (sent >= total) resolve();
        else setTimeout(tick, 1);
      };
      tick();
    });
    await Promise.all(pending);
    const cpu = process.cpuUsage(cpu0);
    const readings = phase === 't' ? total : total * 100;
    const s = latencySummary(latencies);
    const detail = store.health().detail as { wal_restarts: number };
    console.log(JSON.stringify({
      phase, readings, p99_ms: s.p99_ms, p999_ms: s.p999_ms, over_10ms: latencies.filter((ms) => ms > 10).length,
      max_ms: round(latencies.reduce((m, x) => Math.max(m, x), 0)),
      cpu_us_per_reading: round((cpu.user + cpu.system) / readings), wal_restarts: detail.wal_restarts,
    }));
  }
} finally {
  await store.stop();
  rmSync(dir, { recursive: true, force: true });
}
