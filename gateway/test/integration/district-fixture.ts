/**
 * A district of simulated schools for the district page's tests (and its screenshot): real
 * mosquitto and influxd, the hub service in process (HTTP on port 0, a district token), and
 * each school publishing one hour of the summary and alarm mix the summaries engine makes for
 * a school (bench/lib/district-mix.ts), its windows ending now, as its gateway's uplink does.
 * Each school's device-health values carry its students and floor area, as `site.students`
 * and `site.floorArea_m2` make a gateway send them.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { captureSchoolMix, stampMessage } from '../../bench/lib/district-mix.js';
import { sha256Token } from '../../src/api/token-hash.js';
import { silentLogger } from '../../src/log.js';
import { createHubService, parseHubConfig, type HubService } from '../../src/hub/index.js';
import type { UplinkMessage } from '../../src/summaries/types.js';
import { topicOf } from '../../src/uplink/uplink.js';
import { startInflux, startMosquitto, until } from '../kit/index.js';

export const DISTRICT_TOKEN = 'district-page-token-0123456789abcdef0123';
const NAMES = ['第一实验小学', '育才中学', '城南小学', '滨江中学', '明德小学', '东湖中学', '星河小学', '春晖中学', '启明小学', '临江中学'];

export interface District {
  base: string;
  hub: HubService;
  sites: Array<{ id: string; name: string; students: number; floorArea: number }>;
  sent: UplinkMessage[];
  stop(): Promise<void>;
}

export async function startDistrict(schools: number, copies = 5): Promise<District> {
  const [broker, influx, mix] = await Promise.all([startMosquitto(), startInflux(), captureSchoolMix(copies)]);
  const sites = Array.from({ length: schools }, (_, i) => ({ id: `school-${i + 1}`, name: NAMES[i % NAMES.length]!, students: 600 + 150 * i, floorArea: 8000 + 1000 * i }));
  const hub = createHubService(parseHubConfig({
    broker: { url: broker.url, clientId: 'district-page-hub' },
    influx: { url: influx.url, database: 'district' },
    dedup: { path: join(mkdtempSync(join(tmpdir(), 'district-page-')), 'dedup.db') },
    http: { port: 0, host: '127.0.0.1', timeZone: 'Asia/Shanghai', tokens: [{ role: 'district', tokenHash: sha256Token(DISTRICT_TOKEN) }], sites: Object.fromEntries(sites.map((s) => [s.id, s.name])) },
  }), { log: silentLogger() });
  await hub.start();
  // The captured hour ends 70 minutes before now: every window is of today (or late yesterday), all of this week.
  const t0 = Math.floor(Date.now() / 60_000) * 60_000 - 70 * 60_000;
  const sent: UplinkMessage[] = [];
  for (const [i, s] of sites.entries()) {
    const client = await mqtt.connectAsync(broker.url, { clientId: `gw-${s.id}` });
    for (let w = 0; w < mix.windows.length; w++) {
      for (const m of mix.windows[w]!) {
        const msg = stampMessage(m, s.id, w, t0);
        // Schools differ: energy scaled per school, and their students and floor area.
        const scale = (v: Record<string, number>) => (v.energy_kwh === undefined ? v : { ...v, energy_kwh: Math.round(v.energy_kwh * (1 + i * 0.3) * 100) / 100 });
        if (msg.kind === 'energy') Object.assign(msg, { values: scale(msg.values), rows: msg.rows.map((r) => ({ ...r, values: scale(r.values) })) });
        if (msg.kind === 'device-health') msg.values = { ...msg.values, students: s.students, floor_area_m2: s.floorArea, outbox_queued: i % 3 };
        sent.push(msg);
        client.publish(topicOf('hub', s.id, msg), JSON.stringify(msg), { qos: 1 });
      }
    }
    await client.endAsync();
  }
  await until('the hub to store every message', () => hub.stats().stored >= sent.length || undefined, 120_000);
  return {
    base: `http://127.0.0.1:${hub.httpPort()}`, hub, sites, sent,
    async stop() {
      await hub.stop();
      await Promise.all([broker.stop(), influx.stop()]);
    },
  };
}
