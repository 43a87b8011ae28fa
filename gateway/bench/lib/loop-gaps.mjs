// Event-loop gaps of this thread, for BENCH_TRACE (lib/trace-report.ts reads them). Plain
// JavaScript: the gateway child (gateway-child.mjs) runs from dist without a TypeScript loader,
// and the open loop (open-loop.ts) records its own gaps with the same code.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/**
 * Every millisecond, a gap over 6 ms since the last tick becomes an event line
 * `<kind> <start, epoch ms> <ms> run=<ms on a CPU>,wait=<ms waiting for one>` (the main thread's
 * scheduler counters: a gap spent waiting is the machine's other work, not this process's).
 * `onTick` runs on each tick with the time (performance.now()). Returns a function that stops it.
 */
export function watchLoopGaps(kind, into, onTick) {
  const schedstat = `/proc/self/task/${process.pid}/schedstat`;
  const sched = () => readFileSync(schedstat, 'utf8').split(' ').map(Number);
  let last = performance.now();
  let lastSched = sched();
  const timer = setInterval(() => {
    const now = performance.now();
    const s = sched();
    if (now - last > 6) into.push(`${kind} ${(performance.timeOrigin + last).toFixed(1)} ${(now - last).toFixed(1)} run=${((s[0] - lastSched[0]) / 1e6).toFixed(1)},wait=${((s[1] - lastSched[1]) / 1e6).toFixed(1)}`);
    onTick?.(now);
    last = now;
    lastSched = s;
  }, 1);
  timer.unref();
  return () => clearInterval(timer);
}
