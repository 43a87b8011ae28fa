/**
 * Reconnect storm (issue #21 item 4), small: the bench's storm workload (gateway/bench/storm.ts)
 * against a real gateway with broker auth on. 200 devices provisioned as a school's are
 * (generated 192-bit secrets, scrypt at GENERATED_SECRET_COST) log in at once from one address
 * (127.0.0.1, as behind a NAT router): after a start and after a blip that destroys every socket,
 * all are online, none was refused as a bad secret or locked out (the login slots of
 * login-failures.ts only make them wait or retry), and a wrong secret in the storm is still refused.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { createGateway } from '../../src/gateway.js';
import { silentLogger } from '../../src/log.js';
import { stormWorkload, type StormGateway } from '../../bench/storm.js';
import { connectPacket } from '../../bench/lib/storm-fleet.js';
import { connect } from 'node:net';

const T = 180_000;
const dir = mkdtempSync(join(tmpdir(), 'rel-storm-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function connackCode(port: number, packet: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1' }, () => s.write(packet));
    s.once('data', (d) => { s.destroy(); resolve(d[3] ?? -1); });
    s.once('error', reject);
  });
}

describe('a reconnect storm with auth on', () => {
  it('brings 200 devices online after a start and after a blip, with no bad-secret refusal or lockout', async () => {
    let wrongSecretCode = -1;
    const rows = await stormWorkload({
      devices: 200,
      baseConfig: {
        insecure: true, // API without tokens on loopback; broker auth is on (added by the workload)
        site: { id: 'storm' },
        broker: { port: 0, host: '127.0.0.1' },
        http: { port: 0, host: '127.0.0.1' },
        store: { kind: 'embedded', path: dir },
        privacy: { pseudonymKeyFile: join(dir, 'pseudonym.key') },
      },
      fleet: { deadlineMs: 90_000 },
      start: async (config): Promise<StormGateway> => {
        const gw = createGateway(parseConfig(config), { log: silentLogger() });
        await gw.start();
        const port = gw.ports().mqtt;
        return {
          port,
          cpuUs: async () => { const c = process.cpuUsage(); return c.user + c.system; },
          stop: async () => {
            // a wrong secret for a provisioned device is refused even while its fleet is online
            wrongSecretCode = await connackCode(port, connectPacket('meter-00007', 'meter-00007', 'not-the-secret-of-meter-7'));
            await gw.stop();
          },
        };
      },
    });
    expect(rows.map((r) => r.phase)).toEqual(['restart', 'blip']);
    for (const r of rows) {
      expect(r.online).toBe(200);
      expect(Number.isFinite(r.all_online_ms)).toBe(true);
      expect(r.refused['4'] ?? 0).toBe(0); // no valid secret refused as bad
      expect(r.refused['5'] ?? 0).toBe(0); // no lockout of the shared address
    }
    // after the blip, logins come from the verifier's cache: no scrypt queue, no slot wait
    expect(rows[1]!.refused).toEqual({});
    expect(wrongSecretCode).toBe(4);
  }, T);
});
