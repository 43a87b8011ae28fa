/**
 * `BENCH_TRACE=<dir>`: where a fixed-rate run's slow messages came from. The open loop writes
 * each message's due time and PUBACK latency (`lat-<run>.txt`), the gateway child what happened
 * inside it meanwhile (`gw-<pid>.txt`: event-loop gaps with the main thread's run and run-queue
 * wait time, GC pauses, the store's write-ahead log starting over) and the open loop its own
 * event-loop gaps (`gw-sender-<run>.txt`, kind `sender`). This groups the slow
 * messages into 100 ms windows and lists the events near each window.
 *
 *   BENCH_TRACE=/tmp/t npm run bench -- --only latency && npx tsx gateway/bench/lib/trace-report.ts /tmp/t
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { latencySummary } from './stats.js';

/** One message: due time (epoch ms) and publish → PUBACK (ms). */
export interface TracedMessage { due: number; ms: number }
/** Something the gateway did: its kind, when it started (epoch ms), how long (ms), and a detail. */
export interface TraceEvent { kind: string; at: number; ms: number; detail?: string }
export interface SlowWindow {
  /** Start of the 100 ms window, ms after the run's first message. */
  from_ms: number;
  slow: number;
  max_ms: number;
  /** Events from 150 ms before the window to its end, `at` relative to the window's start. */
  near: TraceEvent[];
}

export const WINDOW_MS = 100;

/** Windows holding at least `minSlow` messages over `slowMs`, in time order, with the events near each. */
export function slowWindows(messages: readonly TracedMessage[], events: readonly TraceEvent[], slowMs = 10, minSlow = 15): SlowWindow[] {
  if (messages.length === 0) return [];
  const t0 = messages[0]!.due;
  const windows = new Map<number, { slow: number; max: number }>();
  for (const m of messages) {
    if (m.ms <= slowMs) continue;
    const k = Math.floor((m.due - t0) / WINDOW_MS);
    const w = windows.get(k) ?? { slow: 0, max: 0 };
    w.slow++;
    w.max = Math.max(w.max, m.ms);
    windows.set(k, w);
  }
  return [...windows].filter(([, w]) => w.slow >= minSlow).sort((a, b) => a[0] - b[0]).map(([k, w]) => {
    const start = t0 + k * WINDOW_MS;
    return {
      from_ms: k * WINDOW_MS, slow: w.slow, max_ms: w.max,
      near: events.filter((e) => e.at >= start - 150 && e.at < start + WINDOW_MS).map((e) => ({ ...e, at: Math.round(e.at - start) })),
    };
  });
}

export function parseMessages(text: string): TracedMessage[] {
  return text.split('\n').filter(Boolean).map((l) => {
    const [due, ms] = l.split(' ').map(Number);
    return { due: due!, ms: ms! };
  });
}

export function parseEvents(text: string): TraceEvent[] {
  return text.split('\n').filter(Boolean).map((l) => {
    const [kind, at, ms, ...detail] = l.split(' ');
    return { kind: kind!, at: Number(at), ms: Number(ms), ...(detail.length > 0 ? { detail: detail.join(' ') } : {}) };
  });
}

function report(dir: string): string[] {
  const files = readdirSync(dir);
  const events = files.filter((f) => f.startsWith('gw-')).flatMap((f) => parseEvents(readFileSync(join(dir, f), 'utf8'))).sort((a, b) => a.at - b.at);
  const out: string[] = [];
  for (const f of files.filter((f) => f.startsWith('lat-')).sort()) {
    const messages = parseMessages(readFileSync(join(dir, f), 'utf8'));
    const ms = messages.map((m) => m.ms);
    // The same percentile as the bench's tables (stats.ts), so a trace's p99 matches its row.
    out.push(`${f}: ${messages.length} messages, p99 ${latencySummary(ms).p99_ms} ms, ${ms.filter((v) => v > 10).length} over 10 ms`);
    for (const w of slowWindows(messages, events)) {
      const near = w.near.map((e) => `${e.kind}@${e.at}:${e.ms}${e.detail ? `(${e.detail})` : ''}`).join(' ');
      out.push(`  ${(w.from_ms / 1000).toFixed(1)} s: ${w.slow} over 10 ms, max ${w.max_ms.toFixed(0)}  ${near}`);
    }
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write('usage: trace-report.ts <BENCH_TRACE directory>\n');
    process.exit(2);
  }
  process.stdout.write(`${report(dir).join('\n')}\n`);
}
