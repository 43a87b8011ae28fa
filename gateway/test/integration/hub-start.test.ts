/**
 * `campus-gateway hub` start-up against real mosquitto and influxd, as a child process: a
 * district InfluxDB whose database is missing and cannot be created, or a hub broker that never
 * answers, ends the process with one line (the reconnecting MQTT client and the dedup file are
 * closed, or it would hang); an InfluxDB that is down at start is waited for, and the database
 * is created once it answers.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startInflux, startMosquitto, type InfluxServer, type MosquittoServer } from '../kit/index.js';
import { expectOneFatalLine, linesOf, runCli, spawnCli, waitFor } from './cli-child.js';
import { startSecuredInflux, WRITER } from './influx-auth.js';

const dir = mkdtempSync(join(tmpdir(), 'cg-hub-start-'));
let broker: MosquittoServer;

beforeAll(async () => {
  broker = await startMosquitto();
});

afterAll(async () => {
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
function hubConfigFile(brokerUrl: string, influx: Record<string, unknown>): string {
  const file = join(dir, `hub-${++n}.yaml`);
  writeFileSync(file, JSON.stringify({
    broker: { url: brokerUrl, clientId: `hub-start-${n}` },
    influx,
    dedup: { path: join(dir, `dedup-${n}.db`) },
  }));
  return file;
}

describe('campus-gateway hub start-up', () => {
  it('refuses what `hub config check` refuses (a CA file that does not exist) before connecting', async () => {
    const file = join(dir, 'hub-no-ca.yaml');
    const ca = join(dir, 'no-such-ca.pem');
    writeFileSync(file, JSON.stringify({ broker: { url: broker.url, clientId: 'hub-no-ca', caFile: ca }, influx: { url: 'http://127.0.0.1:9', database: 'district' }, dedup: { path: join(dir, 'dedup-no-ca.db') } }));
    const start = await runCli(['hub', '--config', file]);
    // A config error lists every bad key, one per line, with no stack.
    expect(start.code).toBe(1);
    expect(start.stderr).toMatch(/broker\.caFile/);
    expect(start.stderr).not.toMatch(/^\s+at /m);
    const check = await runCli(['hub', 'config', 'check', file]);
    expect(check.code).toBe(1);
    expect(check.stderr).toContain('broker.caFile');
  });

  it('a district database that is missing and may not be created is one fatal line', async () => {
    const secured = await startSecuredInflux();
    try {
      const file = hubConfigFile(broker.url, { url: secured.url, database: 'district_missing', ...WRITER });
      const r = await runCli(['hub', '--config', file]);
      expectOneFatalLine(r, /^campus-gateway: GW_ERR_INFLUX_DATABASE_MISSING: .*"district_missing"/);
      expect(r.stdout + r.stderr).not.toContain(WRITER.password);
    } finally {
      await secured.stop();
    }
  });

  it('a hub broker that never answers ends the hub after 20 s with one line', async () => {
    const influx = await startInflux();
    try {
      const file = hubConfigFile(`mqtt://127.0.0.1:${await freePort()}`, { url: influx.url, database: 'district' });
      const r = await runCli(['hub', '--config', file], {}, 55_000);
      expectOneFatalLine(r, /^campus-gateway: GW_ERR_HUB_CONNECT: no connection to the hub broker mqtt:\/\/127\.0\.0\.1:\d+ within 20 s/);
    } finally {
      await influx.stop();
    }
  }, 60_000);

  it('an InfluxDB down at start is waited for: the message is stored (database created) once it answers', async () => {
    const influx: InfluxServer = await startInflux();
    await influx.stop();
    const file = hubConfigFile(broker.url, { url: influx.url, database: 'district_later' });
    const run = spawnCli(['hub', '--config', file]);
    try {
      await waitFor('hub subscribed', () => run.stdout().includes('hub subscribed'), 30_000, run);
      expect(run.stdout()).toContain('district InfluxDB unreachable at start');
      const pub = await mqtt.connectAsync(broker.url, { clientId: 'school-gw-start' });
      const start = Date.parse('2026-03-02T08:00:00Z');
      await pub.publishAsync('hub/school-a/summary/environment', JSON.stringify({
        id: randomUUID(), site: 'school-a', kind: 'environment', resolution: 'window',
        windowStart: new Date(start).toISOString(), windowEnd: new Date(start + 60_000).toISOString(),
        values: { rooms: 1, co2_high_min: 0.5 }, rows: [],
      }), { qos: 1 });
      await pub.endAsync();
      await influx.start();
      await waitFor('summary stored', async () => {
        const dbs = ((await influx.query('SHOW DATABASES')).results[0]?.series?.[0]?.values ?? []).map((v) => v[0]);
        if (!dbs.includes('district_later')) return false;
        const res = await influx.query('SELECT count(co2_high_min) FROM summary_environment', 'district_later');
        return res.results[0]?.series?.[0]?.values[0]?.[1] === 1;
      }, 60_000, run);
    } finally {
      const r = await run.stop();
      await influx.stop();
      expect(r.code, r.stderr).toBe(0);
      expect(linesOf(r.stdout).some((l) => l.includes('created the district InfluxDB database'))).toBe(true);
    }
  });
});
