// The uplink over TLS with credentials, against a real mosquitto TLS listener: a CA file
// makes the hub broker's certificate trusted, a wrong password or an unknown CA keeps the
// message in the outbox (never sent in clear, never lost).
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { createHub, parseHubConfig, type Hub } from '../../src/hub/index.js';
import { createOutboundNames, createUplinkGuard } from '../../src/privacy/index.js';
import type { UplinkMessage } from '../../src/summaries/index.js';
import { createUplink, type Uplink } from '../../src/uplink/index.js';
import { freePort, startInflux, startMosquitto, type InfluxServer, type MosquittoServer } from '../kit/index.js';

const log = silentLogger();
const dir = mkdtempSync(join(tmpdir(), 'uplink-tls-'));
const f = (name: string) => join(dir, name);
let broker: MosquittoServer;
let influx: InfluxServer;
let hub: Hub;
let tlsUrl = '';

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function makeCertificates(): void {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=test district CA', '-keyout', f('ca.key'), '-out', f('ca.pem'));
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', f('hub.key'), '-out', f('hub.csr'));
  writeFileSync(f('ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  ssl('x509', '-req', '-in', f('hub.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', f('ext.cnf'), '-out', f('hub.pem'));
  execFileSync('mosquitto_passwd', ['-b', '-c', f('passwd'), 'school-t', 'right-secret'], { stdio: 'pipe' });
}

function message(i: number): UplinkMessage {
  const start = Date.parse('2026-03-02T08:00:00Z') + i * 60_000;
  return { id: randomUUID(), site: 'school-t', kind: 'usage', resolution: 'window', windowStart: new Date(start).toISOString(), windowEnd: new Date(start + 60_000).toISOString(), values: { board_on_min: i }, rows: [] };
}

function uplink(options: { password?: string; caFile?: string }): Uplink {
  return createUplink({
    site: 'school-t', url: tlsUrl, username: 'school-t', clientId: `gw-tls-${Math.random()}`, backoff: { initialMs: 100, maxMs: 500 },
    outboxPath: join(mkdtempSync(join(dir, 'outbox-')), 'outbox.db'), ackTimeoutMs: 2000, ...options,
  }, { log, guard: createUplinkGuard({ names: createOutboundNames({ site: 'school-t' }, { templates: () => [], devices: () => [], pseudonym: (v) => v }) }, { log }) });
}

beforeAll(async () => {
  makeCertificates();
  const tlsPort = await freePort();
  [broker, influx] = await Promise.all([
    startMosquitto({ configExtra: `password_file ${f('passwd')}\nlistener ${tlsPort} 127.0.0.1\ncafile ${f('ca.pem')}\ncertfile ${f('hub.pem')}\nkeyfile ${f('hub.key')}\n` }),
    startInflux(),
  ]);
  tlsUrl = `mqtts://127.0.0.1:${tlsPort}`;
  hub = createHub(parseHubConfig({ broker: { url: tlsUrl, caFile: f('ca.pem'), clientId: 'hub-tls' }, influx: { url: influx.url }, dedup: { path: f('dedup.db') } }), { log });
  await hub.start();
});

afterAll(async () => {
  await hub?.stop();
  await Promise.all([broker?.stop(), influx?.stop()]);
});

describe('uplink over TLS with credentials', () => {
  it('delivers with the district CA and the right password', async () => {
    const u = uplink({ password: 'right-secret', caFile: f('ca.pem') });
    await u.start();
    u.send(message(1));
    await waitFor('the message acknowledged by the hub', () => u.health().sent === 1);
    expect(u.health()).toMatchObject({ connected: true, queued: 0 });
    expect(hub.stats().stored).toBeGreaterThanOrEqual(1);
    await u.stop();
  });

  it('keeps the message queued with a wrong password, and with a broker certificate it cannot verify', async () => {
    const wrong = uplink({ password: 'wrong-secret', caFile: f('ca.pem') });
    const untrusted = uplink({ password: 'right-secret' });
    await Promise.all([wrong.start(), untrusted.start()]);
    wrong.send(message(2));
    untrusted.send(message(3));
    await waitFor('both to fail to connect', () => wrong.health().lastError !== undefined && untrusted.health().lastError !== undefined);
    expect(wrong.health()).toMatchObject({ connected: false, queued: 1, sent: 0 });
    expect(wrong.health().lastError).toMatch(/not authori[sz]ed|bad user name or password/i);
    expect(untrusted.health()).toMatchObject({ connected: false, queued: 1, sent: 0 });
    expect(untrusted.health().lastError).toMatch(/certificate|self.signed|verify/i);
    await Promise.all([wrong.stop(), untrusted.stop()]);
  });
});
