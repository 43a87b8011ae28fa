/**
 * The influx spool across restarts (issue #10, found by the chaos run). Once the spool has
 * drained, its head points into a segment that was never created and every older segment is
 * deleted; a gateway started then began a new log at segment 1, *before* the head, so whatever
 * it spooled (acknowledged readings, InfluxDB down) was skipped as already sent by the next
 * start. With faults every few seconds the chaos run lost thousands of acknowledged readings
 * that way (every one of them spooled by such a start).
 *
 * Fixed in gateway/src/store/spool.ts (e5f0557); both tests fail without that fix. They run from
 * spool-restart.test.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayChild, type GatewayChild } from '../../bench/chaos-run.js';
import { silentLogger } from '../../src/log.js';
import { createSpool } from '../../src/store/spool.js';
import { freePort, startInflux, until, type InfluxServer } from '../kit/index.js';

const T = 180_000;

export function spoolRestartTests(): void {
  describe('influx spool: batches spooled after a restart that followed a drained spool', () => {
    let dir: string;
    beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'rel-spool-')); });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('are replayed by the next start (real spool files, restart without a crash)', async () => {
      const open = async () => {
        const s = createSpool({ dir: join(dir, 'spool') }, { log: silentLogger() });
        await s.start();
        return s;
      };
      const batch = (line: string) => ({ createdMs: Date.now(), lines: 1, body: gzipSync(line) });
      const first = await open();
      expect(await first.append(batch('m v=1 1'))).toBe(true);
      const sent = await first.peek();
      await first.ack(sent!.id); // drained: the head moves past everything
      await first.stop();

      const second = await open();
      expect(second.depth().batches).toBe(0);
      expect(await second.append(batch('m v=2 2'))).toBe(true); // InfluxDB down: spooled, acknowledged
      await second.stop();

      const third = await open();
      expect(third.depth().batches, 'the batch spooled by the previous start').toBe(1);
      expect(gunzipSync((await third.peek())!.body).toString()).toBe('m v=2 2');
      await third.stop();
    });
  });

  describe('gateway kill -9: an acknowledged reading spooled after a restart reaches InfluxDB', () => {
    let dir: string;
    let influx: InfluxServer;
    let gw: GatewayChild;
    let client: MqttClient | undefined;
    const T0 = Date.UTC(2026, 0, 5, 8);

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'rel-spool-gw-'));
      influx = await startInflux();
      await influx.createDatabase('campus');
      const [mqttPort, httpPort] = [await freePort(), await freePort()];
      const configFile = join(dir, 'gateway.yaml');
      writeFileSync(configFile, JSON.stringify({
        site: { id: 'spool' },
        insecure: true, // on loopback, open on purpose (no broker auth, no API tokens)
        log: { level: 'warn' },
        broker: { port: mqttPort, host: '127.0.0.1' },
        http: { port: httpPort, host: '127.0.0.1' },
        store: { kind: 'influx', url: influx.url, database: 'campus', flushMs: 100, spoolPath: join(dir, 'spool') },
        privacy: { pseudonymKeyFile: join(dir, 'pseudonym.key') },
      }));
      gw = gatewayChild(configFile, httpPort, dir, () => undefined);
      await gw.start();
      client = mqtt.connect(`mqtt://127.0.0.1:${mqttPort}`, { clientId: 'spool-light', reconnectPeriod: 300 });
      client.on('error', () => undefined);
    }, T);

    afterAll(async () => {
      client?.end(true);
      await gw?.kill9();
      await influx?.stop();
      rmSync(dir, { recursive: true, force: true });
    }, T);

    const publish = (seq: number) => client!.publishAsync('campus/classroom-light/spool-light/telemetry',
      JSON.stringify({ on: true, bri: seq, cct: 5000, lux: 300, pw: 20.5, ts: T0 + seq }), { qos: 1 });
    const spoolLines = async () => {
      const store = (await gw.health())?.store as { ok?: boolean; detail?: { spool_lines?: number } } | undefined;
      return store?.detail?.spool_lines;
    };
    const stored = async (seq: number) => {
      const q = `SELECT "brightness_pct" FROM "classroom_light" WHERE "device"='spool-light' AND time = ${T0 + seq}ms`;
      const r = await influx.query(q, 'campus');
      return (r.results[0]?.series?.[0]?.values.length ?? 0) > 0;
    };

    it('InfluxDB down → spooled → drained; kill -9; down again → spooled, acknowledged; kill -9; the reading is replayed', async () => {
      await influx.stop();
      await publish(1); // acknowledged from the spool
      await influx.start();
      await until('the spool to drain', async () => ((await spoolLines()) === 0 && (await stored(1)) ? true : undefined), 60_000, 200);

      await gw.kill9();
      await gw.start();
      await influx.stop();
      await publish(2);
      expect(await spoolLines()).toBe(1);
      await gw.kill9();
      await influx.start();
      await gw.start();
      const replayed = await until('reading 2 in InfluxDB', async () => ((await stored(2)) ? true : undefined), 30_000, 200).catch(() => false);
      expect(replayed, 'the acknowledged reading spooled after the restart is in InfluxDB').toBe(true);
      expect(await stored(1)).toBe(true);
    }, T);
  });
}
