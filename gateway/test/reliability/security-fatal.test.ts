/**
 * Start-up output holds no secret, in either log format: the CLI as a child process, with the
 * InfluxDB password, a v2 token and credentials in URLs, against an InfluxDB that is away, a
 * server that refuses the token and echoes it back (a hostile or badly made proxy), and a hub
 * broker that never answers. What is checked: stdout, stderr and /api/health.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../kit/index.js';
import { expectOneFatalLine, getJson, runCli, spawnCli, waitFor } from '../integration/cli-child.js';

const PASSWORD = 'influx-pw-4d1e';
const TOKEN = 'v2-token-8b7f0c';
const URL_PASSWORD = 'url-pw-c0ffee';
const SECRETS = [PASSWORD, TOKEN, URL_PASSWORD, Buffer.from(`gw:${PASSWORD}`).toString('base64')];

const dir = mkdtempSync(join(tmpdir(), 'cg-sec-fatal-'));
let echoing: Server;
let echoUrl = '';

beforeAll(async () => {
  // Answers every request 401 with the Authorization header it was sent in its message.
  echoing = createServer((req, res) => {
    res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'unauthorized', message: `refused ${String(req.headers.authorization)}` }));
  });
  await new Promise<void>((r) => echoing.listen(0, '127.0.0.1', r));
  echoUrl = `http://127.0.0.1:${(echoing.address() as { port: number }).port}`;
});

afterAll(async () => {
  await new Promise((r) => echoing?.close(r));
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
function gatewayConfig(store: Record<string, unknown>, http: number): string {
  const file = join(dir, `gw-${++n}.yaml`);
  writeFileSync(file, JSON.stringify({
    insecure: true,
    broker: { port: 0, host: '127.0.0.1' },
    http: { port: http, host: '127.0.0.1' },
    store: { spoolPath: join(dir, `spool-${n}`), ...store },
    privacy: { pseudonymKeyFile: join(dir, `key-${n}`) },
  }));
  return file;
}

function expectNoSecret(...texts: string[]): void {
  for (const s of SECRETS) expect(texts.join('\n')).not.toContain(s);
}

describe('no secret in start-up output', () => {
  for (const format of ['json', 'pretty']) {
    it(`InfluxDB away (degraded start), ${format}: stdout, stderr and /api/health`, async () => {
      const http = await freePort();
      const file = gatewayConfig({ kind: 'influx', url: `http://127.0.0.1:${await freePort()}`, database: 'campus', username: 'gw', password: PASSWORD }, http);
      const run = spawnCli(['start', '--config', file, '--log-format', format]);
      let health = '';
      try {
        await waitFor('health', async () => {
          const h = await getJson<unknown>(`http://127.0.0.1:${http}/api/health`);
          health = JSON.stringify(h ?? '');
          return h !== undefined;
        }, 60_000, run);
        expect(health).toContain('InfluxDB unreachable');
      } finally {
        const r = await run.stop();
        expectNoSecret(r.stdout, r.stderr, health);
      }
    });

    it(`a v2 server that refuses the token and echoes it, ${format}: one line, token cut out`, async () => {
      const file = gatewayConfig({ kind: 'influx', url: echoUrl, apiVersion: 2, org: 'district', bucket: 'campus', token: TOKEN }, await freePort());
      const r = await runCli(['start', '--config', file, '--log-format', format]);
      expectOneFatalLine(r, /^campus-gateway: GW_ERR_INFLUX_AUTH: .*\(HTTP 401: refused Token \[redacted\]\)/);
      expectNoSecret(r.stdout, r.stderr);
    });
  }

  it('credentials in the InfluxDB URL are refused without being printed', async () => {
    const file = gatewayConfig({ kind: 'influx', url: `http://gw:${URL_PASSWORD}@127.0.0.1:${await freePort()}`, database: 'campus' }, await freePort());
    const r = await runCli(['start', '--config', file]);
    expectOneFatalLine(r, /^campus-gateway: GW_ERR_INFLUX_URL_CREDENTIALS: store\.url carries a user or password/);
    expectNoSecret(r.stdout, r.stderr);
  });

  it('a hub broker URL with a password that never answers: the fatal line names the URL without it', async () => {
    const file = join(dir, 'hub.yaml');
    writeFileSync(file, JSON.stringify({
      broker: { url: `mqtt://hub:${URL_PASSWORD}@127.0.0.1:${await freePort()}`, password: PASSWORD },
      influx: { url: `http://127.0.0.1:${await freePort()}`, database: 'district', username: 'hub', password: PASSWORD },
      dedup: { path: join(dir, 'hub-dedup.db') },
    }));
    const r = await runCli(['hub', '--config', file], {}, 55_000);
    expectOneFatalLine(r, /^campus-gateway: GW_ERR_HUB_CONNECT: no connection to the hub broker mqtt:\/\/127\.0\.0\.1:\d+ within 20 s/);
    expectNoSecret(r.stdout, r.stderr);
  }, 60_000);
});
