/**
 * Waits for the machine to be quiet before a measured run. What one run leaves behind keeps the
 * cores busy after it ends: influxd compacts the millions of points a workload wrote (for minutes
 * after the pen workload), the kernel writes back dirty pages, a stopped child's memory is torn
 * down. A ceiling or a gateway run that starts meanwhile shares the two cores with that work:
 * in one full run the gateway's QoS 1 rate fell 39.9k → 35.0k → 29.1k msg/s over three rounds, and
 * the aedes ceiling 44.5k → 38.8k, while influxd was still compacting. Reads /proc/stat (Linux).
 *
 * The disk too: pages a run left dirty are written back by the kernel up to 30 s later
 * (`vm.dirty_expire_centisecs`), in bursts (101 MB in one second after ten classrooms of pens
 * stopped), and a durable acknowledgement (an fdatasync) that meets such a burst waits behind it:
 * PUBACK clusters of 50-160 ms in the next runs. Above `maxUnwrittenMb` of dirty and
 * under-writeback pages (/proc/meminfo), it runs `sync` first and says how much was waiting.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Page cache not yet on disk (bytes): `Dirty` + `Writeback` of /proc/meminfo. */
export function unwrittenBytes(meminfo = readFileSync('/proc/meminfo', 'latin1')): number {
  let kb = 0;
  for (const m of meminfo.matchAll(/^(Dirty|Writeback):\s+(\d+) kB$/gm)) kb += Number(m[2]);
  return kb * 1024;
}

/** Busy and total jiffies of all cores since boot. */
function cpuTimes(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'latin1').split('\n', 1)[0]!;
  // cpu user nice system idle iowait irq softirq steal guest guest_nice
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = v[3]! + v[4]!;
  return { busy: total - idle, total };
}

export interface IdleWait {
  /** How long it waited (ms). */
  waited_ms: number;
  /** Busy share of all cores over the last window (0-1). */
  busy: number;
  /** Gave up at `timeoutMs` with the machine still busy. */
  timed_out: boolean;
  /** MiB of dirty pages it had `sync` write first (0: under `maxUnwrittenMb`). */
  synced_mib: number;
}

/**
 * Resolves once the machine's cores together were busy less than `maxBusy` (a share, 0-1) over
 * a window of `windowMs`, or after `timeoutMs` (then `timed_out`: the run goes ahead, and says so).
 */
export async function waitIdle(o: { maxBusy?: number; windowMs?: number; timeoutMs?: number; maxUnwrittenMb?: number } = {}): Promise<IdleWait> {
  const unwritten = unwrittenBytes();
  const synced_mib = unwritten > (o.maxUnwrittenMb ?? 16) * 1048576 ? Math.round(unwritten / 1048576) : 0;
  if (synced_mib > 0) execFileSync('sync');
  const maxBusy = o.maxBusy ?? 0.1;
  const windowMs = o.windowMs ?? 1_000;
  const timeoutMs = o.timeoutMs ?? 60_000;
  const t0 = performance.now();
  for (;;) {
    const a = cpuTimes();
    await new Promise((r) => setTimeout(r, windowMs));
    const b = cpuTimes();
    const busy = b.total > a.total ? (b.busy - a.busy) / (b.total - a.total) : 0;
    const waited = performance.now() - t0;
    if (busy < maxBusy) return { waited_ms: Math.round(waited - windowMs), busy, timed_out: false, synced_mib };
    if (waited >= timeoutMs) return { waited_ms: Math.round(waited), busy, timed_out: true, synced_mib };
  }
}
