// Every InfluxQL query of the Grafana dashboards (panels and template variables)
// runs against a real influxd holding simulated data written in the contract's
// shape (gateway readings through the store's line-protocol encoder; summaries
// and alarms through the hub's toLines) and returns rows.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reading } from '../../src/core/reading.js';
import { toLines, type HubMessage } from '../../src/hub/points.js';
import { encodeReading } from '../../src/store/line-protocol.js';
import { repoRoot, startInflux, type InfluxServer } from '../kit/index.js';

const DASHBOARDS = join(repoRoot, 'dashboards', 'grafana', 'dashboards');
const PROVISIONING = join(repoRoot, 'dashboards', 'grafana', 'provisioning');
const DB: Record<string, string> = { 'campus-site': 'campus', 'campus-district': 'district' };
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface Target { query: string; datasource?: { uid: string } }
interface Panel { title: string; type: string; datasource?: { uid: string }; targets?: Target[] }
interface Dashboard { uid: string; title: string; panels: Panel[]; templating: { list: Array<{ name: string; type: string; query: string; datasource?: { uid: string } }> } }

const ROOMS: Array<[string, string]> = [['A', '101'], ['A', '102'], ['B', '201']];

function siteReadings(site: string, now: number): string[] {
  const lines: string[] = [];
  const add = (r: Reading, building: string, room?: string) => {
    const e = encodeReading(r, { extraTags: { site, building, room } });
    if (!e.ok) throw new Error(`${e.reason}: ${e.detail}`);
    lines.push(e.line);
  };
  const kwh: Record<string, number> = { A: 12_000, B: 8_000 };
  for (let ts = now - 2 * DAY; ts <= now; ts += 10 * 60_000) {
    const hour = new Date(ts).getHours();
    const lesson = hour >= 8 && hour < 16;
    for (const [building, room] of ROOMS) {
      add({ template: 'classroom-light', device: `light-${room}-1`, ts, fields: { on: lesson, brightness_pct: lesson ? 80 : 0, power_w: lesson ? 36.5 : 0.4 }, tags: {} }, building, room);
      add({ template: 'air-quality-monitor', device: `aqm-${room}`, ts, fields: { co2_ppm: lesson ? 950 + (ts / 60_000) % 300 : 450, temperature_c: 22.5, humidity_pct: 45, pm25_ugm3: 30 }, tags: {} }, building, room);
    }
    for (const building of ['A', 'B']) {
      const kw = lesson ? 18.2 : 3.1;
      kwh[building]! += kw / 6;
      add({ template: 'energy-meter-3p', device: `meter-${building}`, ts, fields: { active_power_kw: kw, energy_import_kwh: Math.round(kwh[building]! * 100) / 100 }, tags: {} }, building);
      add({ template: 'smoke-detector', device: `smoke-${building}`, ts, fields: { alarm: building === 'B' && ts > now - HOUR, smoke_density_dbm: 0.02, battery_pct: building === 'A' ? 91 : 14, tamper: false }, tags: {} }, building, `corridor-${building}`);
    }
    add({ template: 'smart-socket', device: 'socket-101', ts, fields: { on: true, power_w: 1200, energy_kwh: 300, voltage_v: 230 }, tags: {} }, 'A', '101');
  }
  return lines;
}

function hubLines(sites: string[], now: number): string[] {
  const out: string[] = [];
  for (const site of sites) {
    for (let d = 3; d >= 0; d--) {
      const start = Math.floor((now - d * DAY) / DAY) * DAY;
      const w = { site, resolution: 'day' as const, windowStart: new Date(start).toISOString(), windowEnd: new Date(start + DAY).toISOString() };
      const msgs: HubMessage[] = [
        { ...w, id: `${site}-e-${d}`, kind: 'energy', values: { energy_kwh: 210 + d, water_m3: 7, pv_yield_kwh: 35, meters: 2 }, rows: [{ tags: { scope: 'building', building: 'A' }, values: { energy_kwh: 150 } }, { tags: { scope: 'building', building: 'B' }, values: { energy_kwh: 60 + d } }] },
        { ...w, id: `${site}-u-${d}`, kind: 'usage', values: { board_on_min: 1900, projector_on_min: 640, recording_min: 240, rooms: 3 }, rows: [{ tags: { scope: 'room', room: '101' }, values: { board_on_min: 400 } }] },
        { ...w, id: `${site}-l-${d}`, kind: 'lighting', values: { lamp_on_h: 40, left_on_min: 35, rooms_left_on: 1, rooms_lit: 3 }, rows: [] },
        { ...w, id: `${site}-env-${d}`, kind: 'environment', values: { rooms: 3, co2_high_min: 55, co2_ppm_max: 1320 }, rows: [{ tags: { scope: 'room', room: '101' }, values: { co2_ppm_mean: 820, co2_ppm_max: 1320, co2_high_min: 55 } }] },
        { ...w, id: `${site}-dh-${d}`, kind: 'device-health', values: { devices_online: 40, devices_offline: 2, low_battery: 1, rejected: 3 }, rows: [] },
        { site, id: `${site}-alarm-${d}`, kind: 'alarm', template: 'smoke-detector', device: 'smoke-B', room: 'corridor-B', building: 'B', alarm: 'alarm', value: true, state: 'raised', windowStart: new Date(start + 10 * HOUR).toISOString(), windowEnd: new Date(start + 10 * HOUR).toISOString() },
      ];
      for (const m of msgs) out.push(...toLines(m));
    }
  }
  return out;
}

/** What Grafana does to a query before sending it: macros and template variables. */
function interpolate(q: string, vars: Record<string, string>): string {
  return q
    .replaceAll('$timeFilter', 'time > now() - 7d')
    .replaceAll('$__interval', '1h')
    .replace(/\$(\w+)/g, (m, name: string) => vars[name] ?? m);
}

const dashboards: Dashboard[] = readdirSync(DASHBOARDS).filter((f) => f.endsWith('.json')).sort()
  .map((f) => JSON.parse(readFileSync(join(DASHBOARDS, f), 'utf8')) as Dashboard);

describe('dashboards: Grafana InfluxQL queries against a real influxd', () => {
  let influx: InfluxServer;
  const report: string[] = [];

  beforeAll(async () => {
    influx = await startInflux();
    await influx.createDatabase('campus');
    await influx.createDatabase('district');
    const now = Date.now();
    const raw = siteReadings('north-school', now);
    for (let i = 0; i < raw.length; i += 5000) await influx.write(raw.slice(i, i + 5000).join('\n'), 'campus', 'ms');
    await influx.write(hubLines(['north-school', 'south-school'], now).join('\n'), 'district', 'ms');
  });

  afterAll(async () => {
    if (report.length) process.stdout.write(`\nGrafana query check:\n${report.join('\n')}\n`);
    await influx?.stop();
  });

  it('provisions a datasource for every datasource uid the dashboards use', () => {
    const provisioned = parseYaml(readFileSync(join(PROVISIONING, 'datasources', 'influxdb.yaml'), 'utf8')) as { datasources: Array<{ uid: string; type: string }> };
    const uids = new Set(provisioned.datasources.map((d) => d.uid));
    expect(dashboards.map((d) => d.uid)).toEqual(['campus-district', 'campus-facilities']);
    for (const d of dashboards) {
      for (const p of d.panels.filter((x) => x.type !== 'row')) {
        expect(uids.has(p.datasource?.uid ?? ''), `${d.title} / ${p.title}`).toBe(true);
        expect(p.targets?.length ?? 0, `${d.title} / ${p.title}`).toBeGreaterThan(0);
      }
    }
    const providers = parseYaml(readFileSync(join(PROVISIONING, 'dashboards', 'campus.yaml'), 'utf8')) as { providers: Array<{ type: string; options: { path: string } }> };
    expect(providers.providers[0]?.type).toBe('file');
  });

  for (const d of dashboards) {
    it(`every query of "${d.title}" parses and returns rows`, async () => {
      const vars = { site: 'north-school', building: '.*', room: '.*', resolution: 'day', tz: 'Asia/Shanghai' };
      let checked = 0;
      for (const v of d.templating.list.filter((x) => x.type === 'query')) {
        const res = await influx.query(interpolate(v.query, vars), DB[v.datasource!.uid]!);
        const values = res.results[0]?.series?.flatMap((s) => s.values.map((row) => row[1])) ?? [];
        report.push(`  ${d.uid} variable $${v.name}: ${values.length} values (${values.slice(0, 4).join(', ')})`);
        expect(values.length, `variable ${v.name}`).toBeGreaterThan(0);
        checked += 1;
      }
      for (const p of d.panels.filter((x) => x.type !== 'row')) {
        for (const t of p.targets ?? []) {
          const q = interpolate(t.query, vars);
          const res = await influx.query(q, DB[(t.datasource ?? p.datasource)!.uid]!);
          const series = res.results[0]?.series ?? [];
          const rows = series.reduce((n, s) => n + s.values.length, 0);
          report.push(`  ${d.uid} "${p.title}": ${series.length} series, ${rows} rows`);
          expect(rows, `${p.title}: ${q}`).toBeGreaterThan(0);
          checked += 1;
        }
      }
      expect(checked).toBeGreaterThan(8);
    });
  }

  it('counts a day as the site\'s local day: every query carries tz(\'$tz\') (default Asia/Shanghai) and day buckets start at local midnight', async () => {
    const vars = { site: 'north-school', building: '.*', room: '.*', resolution: 'day', tz: 'Asia/Shanghai' };
    for (const d of dashboards) {
      const tz = d.templating.list.find((v) => v.name === 'tz') as { query: string; current: { value: string } } | undefined;
      expect(tz?.current.value, d.title).toBe('Asia/Shanghai');
      for (const p of d.panels) for (const t of p.targets ?? []) {
        expect(t.query.endsWith(" tz('$tz')"), `${d.title} / ${p.title}`).toBe(true);
        // A subquery's own time buckets are local too.
        if (t.query.includes('FROM (SELECT') && /\(SELECT[^]*GROUP BY time/.test(t.query)) expect(t.query.match(/tz\('\$tz'\)/g)).toHaveLength(2);
      }
    }
    const daily = [
      ['campus-district', 'Energy per school per day', 'district'],
      ['campus-facilities', 'Energy per building per day', 'campus'],
    ] as const;
    for (const [uid, title, db] of daily) {
      const q = dashboards.find((x) => x.uid === uid)!.panels.find((x) => x.title === title)!.targets![0]!.query;
      const res = await influx.query(interpolate(q, vars), db);
      const times = (res.results[0]?.series ?? []).flatMap((x) => x.values.map((row) => String(row[0])));
      expect(times.length, title).toBeGreaterThan(0);
      for (const t of times) expect(t, title).toMatch(/T00:00:00\+08:00$/);
    }
  });

  it('answers the per-building questions with the simulated numbers', async () => {
    const q = interpolate('SELECT sum("energy_kwh") FROM "summary_energy" WHERE "scope" = \'building\' AND "site" =~ /^$site$/ AND "resolution" = \'day\' AND $timeFilter GROUP BY "building"', { site: 'north-school' });
    const res = await influx.query(q, 'district');
    const byBuilding = Object.fromEntries((res.results[0]?.series ?? []).map((s) => [s.tags?.building, s.values[0]?.[1]]));
    expect(byBuilding).toEqual({ A: 600, B: 246 });
  });
});
