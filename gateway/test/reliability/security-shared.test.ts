// Attacks on the shared modules (issue #18 item 4): a stored secret hash that would let
// every token in, private files written through a temp file, and the InfluxDB client the
// gateway and the hub share (against real influxd with authentication and real mosquitto).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { buildHttpApp } from '../../src/api/server.js';
import { createHub, parseHubConfig } from '../../src/hub/index.js';
import { hashToken, verifyToken } from '../../src/api/token-hash.js';
import { createDeviceRegistry } from '../../src/registry/device-registry.js';
import { createRosterStore } from '../../src/sessions/roster-store.js';
import { createEmbeddedStore } from '../../src/store/embedded-store.js';
import { alarmStatePath, saveAlarmState, saveState } from '../../src/summaries/state-file.js';
import { ADMIN, startSecuredInflux } from '../integration/influx-auth.js';
import { startMosquitto } from '../kit/index.js';
import { httpParts } from '../integration/http-parts.js';

const log = pino({ level: 'silent' });

async function appWith(tokenHash: string) {
  const store = createEmbeddedStore({ path: ':memory:', retentionDays: 1, siteTags: { site: 'test' } }, { log });
  await store.start();
  const registry = createDeviceRegistry();
  try {
    return await buildHttpApp({
      log, store, registry, site: 'sec-school', siteName: 'Security School', ...httpParts({ log, registry, store }),
      health: { report: () => ({ status: 'ok', broker: { clients: 0 }, store: { ok: true }, uplink: null }) },
      tokens: [{ role: 'admin', name: 'it', tokenHash }],
    });
  } catch (err) {
    await store.stop();
    throw err;
  }
}

describe('security: shared secret hashes', () => {
  // Before: the API's own scrypt parser took any digits and compared the stored hash with a key of
  // the stored hash's length, so `scrypt$16384$8$1$$` (empty salt and hash, e.g. a config template
  // with its variables unset) started and let every bearer token in as admin.
  const malformed = ['scrypt$16384$8$1$$', 'scrypt$16384$8$1$c2FsdHNhbHQ$', 'scrypt$1000$8$1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA'];

  it('an API with a malformed scrypt tokenHash refuses to start, without echoing the value', async () => {
    for (const bad of malformed) {
      let started: Awaited<ReturnType<typeof appWith>> | undefined;
      let error: Error | undefined;
      try {
        started = await appWith(bad);
      } catch (err) {
        error = err as Error;
      }
      if (started !== undefined) {
        // The old code got here: show what it let in, then fail.
        const res = await started.inject({ method: 'GET', url: '/api/devices', headers: { authorization: 'Bearer anything-at-all' } });
        await started.close();
        expect.fail(`started with tokenHash ${bad}; GET /api/devices with a made-up token answered ${res.statusCode}`);
      }
      expect(error?.message).toMatch(/GW_ERR_TOKEN_HASH/);
      expect(error?.message).not.toContain(bad);
    }
  });

  it('a malformed hash never verifies a token, even one that is empty', async () => {
    for (const bad of malformed) {
      expect(await verifyToken('anything', bad)).toBe(false);
      expect(await verifyToken('', bad)).toBe(false);
    }
  });

  it('a well-formed tokenHash still lets its token in and no other', async () => {
    const app = await appWith(hashToken('correct-secret-0123456789'));
    try {
      const get = (token: string) => app.inject({ method: 'GET', url: '/api/devices', headers: { authorization: `Bearer ${token}` } });
      expect((await get('it.correct-secret-0123456789')).statusCode).toBe(200);
      expect((await get('it.wrong-secret')).statusCode).toBe(401);
    } finally {
      await app.close();
    }
  });
});

describe('security: private files written through a temp file', () => {
  // Before: each copy wrote `<file>.tmp` with writeFileSync(…, { mode: 0o600 }), which sets the
  // mode only when it creates the file. A temp file left world-readable (by an older version, a
  // copy, a restore) kept its mode, and the rename made the saved rosters (children's names) and
  // the summaries state (pseudonyms) readable by every local user.
  const dir = mkdtempSync(join(tmpdir(), 'sec-shared-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const leftOver = (file: string) => writeFileSync(`${file}.tmp`, 'left over', { mode: 0o644 });

  it('saved rosters stay 0600 when a world-readable temp file was left over', () => {
    const file = join(dir, 'rosters.json');
    leftOver(file);
    const rosters = createRosterStore({ file }, { log });
    rosters.put('ms-li', '3A', [{ device: 'P-00123', student: 'Wang Fang' }]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toContain('Wang Fang');
  });

  it('the summaries state and alarm state stay 0600 likewise', () => {
    const file = join(dir, 'summaries', 'state.bin');
    saveState(file, { version: 2, nextStart: 0, hour: [], day: [], kinds: [] });
    leftOver(file);
    leftOver(alarmStatePath(file));
    saveState(file, { version: 2, nextStart: 60_000, hour: [], day: [], kinds: [] });
    saveAlarmState(alarmStatePath(file), [['fire-1', 1, true]]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(alarmStatePath(file)).mode & 0o777).toBe(0o600);
  });
});

describe('security: the hub through the shared InfluxDB client', () => {
  // Before: the hub's own writer treated every 4xx but 404 and 429 as "refused", so when the
  // district InfluxDB began refusing the hub's credentials (a password rotated on the server
  // first) each summary was counted invalid, acknowledged to its school and lost. The shared
  // client reads 401/403 as the store does: a condition a person fixes, retried meanwhile.
  it('holds summaries while InfluxDB refuses the credentials and stores them once they are fixed', async () => {
    const [influx, broker] = await Promise.all([startSecuredInflux(), startMosquitto()]);
    const admin = async (q: string) => {
      const res = await fetch(`${influx.url}/query`, {
        method: 'POST', body: new URLSearchParams({ q }),
        headers: { authorization: `Basic ${Buffer.from(`${ADMIN.username}:${ADMIN.password}`).toString('base64')}` },
      });
      return (await res.json()) as { results: { series?: { values: unknown[][] }[] }[] };
    };
    await admin('CREATE DATABASE "district"');
    await admin(`CREATE USER hubw WITH PASSWORD 'hub-pw-3c1e'`);
    await admin('GRANT ALL ON "district" TO hubw');
    const hub = createHub(parseHubConfig({
      broker: { url: broker.url, clientId: 'hub-sec', sharedGroup: null },
      influx: { url: influx.url, database: 'district', username: 'hubw', password: 'hub-pw-3c1e', createDatabase: false },
      dedup: { path: join(mkdtempSync(join(tmpdir(), 'sec-hub-')), 'dedup.db') },
    }), { log });
    const school = await mqtt.connectAsync(broker.url, { clientId: 'school-gw-sec' });
    const until = async (what: string, cond: () => boolean) => {
      for (let i = 0; i < 600 && !cond(); i++) await new Promise((r) => setTimeout(r, 100));
      expect(cond(), what).toBe(true);
    };
    const summary = (minute: number) => {
      const start = Date.parse('2026-03-02T08:00:00Z') + minute * 60_000;
      return JSON.stringify({
        id: randomUUID(), site: 'school-a', kind: 'environment', resolution: 'window', windowStart: new Date(start).toISOString(), windowEnd: new Date(start + 60_000).toISOString(),
        values: { rooms: 1, co2_high_min: 0.5 }, rows: [],
      });
    };
    try {
      await hub.start();
      await school.publishAsync('hub/school-a/summary/environment', summary(0), { qos: 1 });
      await until('the first summary stored', () => hub.stats().stored === 1);

      await admin(`SET PASSWORD FOR hubw = 'rotated-pw-88d0'`);
      await school.publishAsync('hub/school-a/summary/environment', summary(1), { qos: 1 });
      await until('the write refused (retried, or dropped by the old code)', () => hub.stats().writeRetries > 0 || hub.stats().invalid > 0);
      expect(hub.stats()).toMatchObject({ stored: 1, invalid: 0 });

      await admin(`SET PASSWORD FOR hubw = 'hub-pw-3c1e'`);
      await until('the held summary stored', () => hub.stats().stored === 2);
      const count = await admin('SELECT count(co2_high_min) FROM "district".."summary_environment"');
      expect(count.results[0]?.series?.[0]?.values[0]?.[1]).toBe(2);
      expect(hub.stats().invalid).toBe(0);
    } finally {
      await school.endAsync();
      await hub.stop();
      await Promise.all([influx.stop(), broker.stop()]);
    }
  }, 120_000);
});
