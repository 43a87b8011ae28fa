import { describe, expect, it } from 'vitest';
import { benchMarkdown, parseBenchOutput, type BenchJson } from './markdown.js';

const lat = (p50: number, p99: number) => ({ p50_ms: p50, p99_ms: p99, p999_ms: p99 * 2, samples: 1000 });
const gwRun = (msgs: number, rate: number, extra: Record<string, unknown> = {}) => ({
  workload: 'telemetry-qos1', msgs, readings: msgs, msgs_per_s: rate, readings_per_s: rate, p50_ms: 100.4, p99_ms: 180.6,
  cpu_us_per_msg: 24.46, peak_rss_mib: 171.2, elapsed_s: 11, lost: 0, ...extra,
});
const ceiling = (rate: number, delivered = 500_000) => ({ name: 'c', rate, total: 500_000, delivered, ...(delivered < 500_000 ? { failed: 'lost' } : {}) });
const latencyRun = (p99: number, holds?: number[]) => ({
  rate: 5000, sent: 50_000, acked: 50_000, offered_per_s: 5000, puback: lat(1.8, p99), send_lag: lat(0.6, 2), latest: { ...lat(5, 12), not_visible: 0 },
  label: '5,000 msg/s telemetry', gateway_cpu_pct: 70.4, gateway_eld_p99_ms: 2, gateway_eld_max_ms: 9, ...(holds ? { restart_holds_ms: holds } : {}),
});

function bench(holds: Array<number[] | undefined>): BenchJson {
  return {
    store: 'influx', cores: 2, node: 'v20.20.2', rounds: 3, quick: false,
    workloads: [{
      workload: 'telemetry-qos1', runs: [gwRun(500_000, 41_000), gwRun(500_000, 43_000), gwRun(500_000, 40_000)],
      ceilings: [
        { column: '÷aedes', runs: [ceiling(50_000), ceiling(51_000), ceiling(49_000)], ratio: { ok: true, median: 0.82, min: 0.8, max: 0.84, rounds: 3 } },
        { column: '÷mosquitto', runs: [ceiling(60_000, 400_000), ceiling(60_000, 350_000), ceiling(60_000)], ratio: { ok: false, why: 'round 1: …' } },
      ],
    }],
    school: null,
    latency: { store: 'embedded', duration_s: 10, rounds: 3, loads: [{
      label: '5,000 msg/s telemetry', runs: holds.map((h, i) => latencyRun([8.4, 12.25, 7][i]!, h)),
      floor: [latencyRun(2.4), latencyRun(2.6), latencyRun(2.2)],
      disk: [1, 2, 3].map((p99) => ({ sync: { ...lat(0.2, 0.4), max_ms: 5, over_10ms: 0 }, ack: lat(0.7, p99) })),
    }] },
    storm: [
      { phase: 'restart', devices: 2000, online: 2000, all_online_ms: 5_321, p50_ms: 1600, p99_ms: 3200, refused: {}, dropped: 0, cpu_s: 4, cpu_cores: 0.76 },
      { phase: 'blip', devices: 2000, online: 2000, all_online_ms: 1_190, p50_ms: 220, p99_ms: 1190, refused: {}, dropped: 0, cpu_s: 0.6, cpu_cores: 0.54 },
    ],
  } as unknown as BenchJson;
}

describe('bench tables in Markdown, from one bench output', () => {
  it('finds the JSON line at the end of a whole output and says so when there is none', () => {
    const b = bench([[], [], []]);
    expect(parseBenchOutput(`table\n…\n${JSON.stringify({ bench: b })}\n`).node).toBe('v20.20.2');
    expect(() => parseBenchOutput('only a table\n')).toThrow(/no \{"bench": …\} line/);
  });

  it('writes each workload with its rate spread and its ratios, and says why a ceiling was refused', () => {
    const md = benchMarkdown(bench([[], [], []]));
    // Markdown needs the blank lines: a table glued to the line above is not a table.
    expect(md.startsWith('2 cores, node v20.20.2, 3 interleaved rounds, influx store\n\n| workload |')).toBe(true);
    expect(md).toContain(' |\n\n| QoS 1, 10 s × 3 rounds, embedded store |');
    const row = md.split('\n').find((l) => l.startsWith('| telemetry QoS 1'))!;
    expect(row).toContain('| 41,000 (40,000–43,000) msg/s |');
    expect(row).toContain('0.82 (0.8–0.84) × plain aedes (50,000 msg/s)');
    expect(row).toContain('mosquitto refused: it delivered 350,000–400,000 of 500,000');
    expect(row).toContain('| 100 / 181 ms | 24.5 µs | 171 MiB |');
  });

  it('writes the latency of each load with the log restarts during its runs and the floors beside it', () => {
    const md = benchMarkdown(bench([[3.5], [], [4.1, 61.2]]));
    const row = md.split('\n').find((l) => l.startsWith('| 5,000 msg/s telemetry'))!;
    expect(row).toBe('| 5,000 msg/s telemetry | 1.8 / 8.4 (7–12.3) / 16.8 ms | 5 / 12 ms | 70% | 3 (61.2 ms) | 2.4 (2.2–2.6) ms | 2 (1–3) ms |');
    expect(md).toContain('after a gateway restart: 2,000 of 2,000 online in 5.3 s (76% of a core); after a network blip: 2,000 of 2,000 online in 1.2 s');
  });

  it('shows the restarts as unknown, not as none, for an output from before they were counted', () => {
    const row = benchMarkdown(bench([undefined, undefined, undefined])).split('\n').find((l) => l.startsWith('| 5,000 msg/s telemetry'))!;
    expect(row.split(' | ')[4]).toBe('–');
  });
});
