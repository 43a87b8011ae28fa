/**
 * CPU and resident memory of other processes, read from /proc (Linux): the hub children,
 * mosquitto and influxd of the district workload. `pidOnPort` finds a server the test kit
 * started (the kit does not hand out its pids) by its listening TCP port, through `ss`.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const TICKS_PER_S = 100; // USER_HZ on Linux

function cpuTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]); // utime + stime (fields 14 and 15)
  } catch {
    return undefined;
  }
}

function rssBytes(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

export function pidOnPort(port: number): number | undefined {
  try {
    const out = execFileSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' });
    const m = /pid=(\d+)/.exec(out);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export interface ProcUsage {
  /** Mean CPU over the sampled span, in % of one core. */
  cpu_pct: number;
  /** CPU seconds used over the span: robust to a shared machine, where wall-clock rates are not. */
  cpu_s: number;
  rss_max_mib: number;
}

/** Samples every `everyMs` until stop(); the CPU mean covers start → stop. */
export function sampleProcess(pid: number, everyMs = 500): { stop(): ProcUsage } {
  const t0 = performance.now();
  const c0 = cpuTicks(pid) ?? 0;
  let last = c0;
  let rssMax = rssBytes(pid) ?? 0;
  const timer = setInterval(() => {
    last = cpuTicks(pid) ?? last;
    rssMax = Math.max(rssMax, rssBytes(pid) ?? 0);
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      last = cpuTicks(pid) ?? last;
      rssMax = Math.max(rssMax, rssBytes(pid) ?? 0);
      const seconds = (performance.now() - t0) / 1000;
      const cpuS = (last - c0) / TICKS_PER_S;
      return { cpu_pct: Math.round((cpuS / seconds) * 1000) / 10, cpu_s: cpuS, rss_max_mib: Math.round((rssMax / 1048576) * 10) / 10 };
    },
  };
}
