/**
 * `store.wal: true`: the gateway acknowledges QoS 1 publishes from its
 * write-ahead log and writes InfluxDB in the background; every acknowledged
 * reading reaches the real influxd, and the log is replayed after a restart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { createGateway } from '../../src/gateway.js';
import { silentLogger } from '../../src/log.js';
import { startInflux, until, type InfluxServer } from '../kit/index.js';

let influx: InfluxServer;
let dir: string;

beforeAll(async () => {
  influx = await startInflux();
  await influx.createDatabase('campus');
  dir = mkdtempSync(join(tmpdir(), 'cg-walgw-'));
});
afterAll(async () => {
  await influx?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const config = () => parseConfig({
  insecure: true, // on loopback, open on purpose (no broker auth and/or no API tokens)
  broker: { port: 0, host: '127.0.0.1' }, http: { port: 0, host: '127.0.0.1' },
  store: { kind: 'influx', url: influx.url, database: 'campus', wal: true, spoolPath: join(dir, 'spool'), flushMs: 50 },
  privacy: { pseudonymKeyFile: join(dir, 'key') },
});

async function count(): Promise<number> {
  const r = await influx.query('SELECT count(power_w) FROM classroom_light', 'campus');
  return Number(r.results[0]?.series?.[0]?.values[0]?.[1] ?? 0);
}

describe('gateway with the write-ahead log in front of InfluxDB', () => {
  it('stores every acknowledged QoS 1 reading, also across a restart', async () => {
    const gw = createGateway(config(), { log: silentLogger() });
    await gw.start();
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${gw.ports().mqtt}`, { clientId: 'L-1' });
    const t0 = Date.now() - 10_000;
    await Promise.all(Array.from({ length: 300 }, (_, i) => client.publishAsync('campus/classroom-light/L-1/telemetry',
      JSON.stringify({ on: true, bri: 50, cct: 4000, lux: 300, pw: i, ts: t0 + i }), { qos: 1 })));
    await client.endAsync();
    expect(gw.store.health().detail).toMatchObject({ wal: { appended: expect.any(Number) } });
    await gw.stop();
    expect(await count()).toBe(300);
    // A second gateway on the same log starts cleanly and replays nothing twice (writes are idempotent anyway).
    const again = createGateway(config(), { log: silentLogger() });
    await again.start();
    await again.stop();
    await until('count settles', async () => ((await count()) === 300 ? true : undefined));
  });
});
