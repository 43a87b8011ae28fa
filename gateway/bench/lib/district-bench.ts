/**
 * `npm run bench -- --only district`: the district workload (../district.ts) for each number
 * of schools and each number of hub processes asked for, on one influxd. `--district-window`
 * is one duration for every N or a list aligned with `--district-schools` (e.g. `6s,6s,30s`).
 * `--district-connections 1,4`: each setting is a run (the hub's `broker.connections`, in the
 * shared group `district`). `--quick`: 3 schools, 1 s windows, 4 s, one connection. One message in 50 is sent twice (an outbox replay).
 */
import { startInflux } from '../../test/kit/index.js';
import { districtRun, printDistrict, type DistrictRow } from '../district.js';
import { startDelayProxy, type DelayProxy } from './district-delay.js';
import { captureSchoolMix } from './district-mix.js';

export interface DistrictBenchOptions {
  quick: boolean;
  log(msg: string): void;
  schools: string;
  hubs: string;
  window: string;
  duration: string;
  /** Hub `broker.connections`, a list: each is a run. Default 1. */
  connections?: string | undefined;
  /** Hold every InfluxDB write of the hubs this long (an InfluxDB on another machine); default none. */
  influxDelay?: string | undefined;
  /** How long to wait for the hubs to store everything after the last window; default 3 × duration, at least 60 s. */
  drain?: string | undefined;
  ms(text: string): number;
}

/** One message in 50 is published twice, as outbox replays after lost acknowledgements do. */
const RESEND_EVERY = 50;
const list = (text: string) => text.split(',').map((s) => s.trim()).filter((s) => s !== '');

export async function runDistrict(o: DistrictBenchOptions): Promise<{ rows: DistrictRow[]; text: string }> {
  const schools = o.quick ? [3] : list(o.schools).map(Number);
  const hubs = (o.quick ? [1, 2] : list(o.hubs).map(Number)).map((h) => (h === 2 ? 2 : 1) as 1 | 2);
  const windows = o.quick ? [1000] : list(o.window).map(o.ms);
  const durationMs = o.quick ? 4000 : o.ms(o.duration);
  const connections = o.quick ? [1] : list(o.connections ?? '1').map(Number);
  o.log('district: capturing the summary and alarm mix of a 2,000-device school (one hour of school time)');
  const mix = await captureSchoolMix();
  const influx = await startInflux();
  const rows: DistrictRow[] = [];
  let proxy: DelayProxy | undefined;
  try {
    if (o.influxDelay !== undefined) proxy = await startDelayProxy(influx.url, o.ms(o.influxDelay));
    for (const [i, n] of schools.entries()) {
      const windowMs = windows[Math.min(i, windows.length - 1)]!;
      for (const h of hubs) for (const c of connections) {
        rows.push(await districtRun({
          schools: n, hubs: h, connections: c, windowMs, windows: Math.max(1, Math.round(durationMs / windowMs)), drainTimeoutMs: o.drain !== undefined ? o.ms(o.drain) : Math.max(60_000, durationMs * 3),
          mix, influx, ...(proxy && { influxWriteUrl: proxy.url }), log: o.log, resendEvery: RESEND_EVERY,
        }));
        o.log(`district: ${JSON.stringify(rows.at(-1))}`);
      }
    }
  } finally {
    await proxy?.close();
    await influx.stop();
  }
  return { rows, text: printDistrict(rows, mix.devices) };
}
