// Temporary measurement (not committed): real HTTP, 5 scrypt tokens, a bad-token flood.
import { request } from 'node:http';
import { pino } from 'pino';
import { it } from 'vitest';
import { buildHttpApp } from '../../src/api/server.js';
import { hashToken } from '../../src/api/token-hash.js';
import { createDeviceRegistry } from '../../src/registry/device-registry.js';
import { createEmbeddedStore } from '../../src/store/embedded-store.js';

function get(port: number, path: string, token: string | undefined, localAddress: string): Promise<{ status: number; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, localAddress, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0 }));
    });
    req.on('error', reject);
    req.end();
  });
}

it('measures', async () => {
  const log = pino({ level: 'silent' });
  const store = createEmbeddedStore({ path: ':memory:', retentionDays: 1, siteTags: { site: 't' } }, { log });
  await store.start();
  const secrets = ['s0-aaaaaaaaaaaaaaaaaaaa', 's1-bbbbbbbbbbbbbbbbbbbb', 's2-cccccccccccccccccccc', 's3-dddddddddddddddddddd', 's4-eeeeeeeeeeeeeeeeeeee'];
  const app = await buildHttpApp({ log, store, registry: createDeviceRegistry(), health: { report: () => ({ status: 'ok', broker: {}, store: {}, uplink: null }) },
    tokens: secrets.map((s, i) => ({ role: 'admin' as const, name: `n${i}`, tokenHash: hashToken(s) })) });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  const real = process.env.REAL_TOKEN_FORM === 'bare' ? secrets[4]! : `n4.${secrets[4]}`;
  const base = await get(port, '/api/devices', real, '127.0.0.2');
  const base2 = await get(port, '/api/devices', real, '127.0.0.2');
  const t0 = performance.now();
  const statuses: Record<number, number> = {};
  const N = Number(process.env.FLOOD ?? 300);
  for (let i = 0; i < N; i += 20) {
    const batch = await Promise.all(Array.from({ length: Math.min(20, N - i) }, (_, k) => get(port, '/api/devices', `bad-${i + k}-xxxxxxxxxxxx`, '127.0.0.9')));
    for (const b of batch) statuses[b.status] = (statuses[b.status] ?? 0) + 1;
  }
  const flood = performance.now() - t0;
  const after = await get(port, '/api/devices', real, '127.0.0.2');
  const health = await get(port, '/api/health', 'junk-bearer', '127.0.0.3');
  console.log(JSON.stringify({ N, firstRealMs: base.ms.toFixed(1), secondRealMs: base2.ms.toFixed(1), floodMs: flood.toFixed(0), statuses, realAfterFloodMs: after.ms.toFixed(1), realAfterStatus: after.status, healthWithBearerMs: health.ms.toFixed(1) }));
  await app.close();
  await store.stop();
}, 600_000);
