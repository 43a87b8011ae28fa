// Roster files (issue #19) attacked through a real gateway over HTTP with role tokens:
//  1. only teacher and admin may upload; facilities and district get 403, no token 401;
//  2. a body past 1 MiB is refused with 413 while it streams (chunked, no content-length),
//     an XLSX zip bomb (1 MiB inflating past 32 MiB) with 413 before exceljs inflates it;
//  3. no log line, at any level, carries a name or a device from the file, an unreadable one included.
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { zipSync } from 'fflate';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../src/api/token-hash.js';
import { createGateway, parseConfig, type Gateway } from '../../src/index.js';

const TOKENS = { li: 'tea-li-6c5d4e3f2a1b0c9d8e7f', admin: 'adm-0f1e2d3c4b5a69788796a5b4', facilities: 'fac-9a8b7c6d5e4f3a2b1c0d9e8f', district: 'dis-2b3c4d5e6f7a8b9c0d1e2f3a' };
type Who = keyof typeof TOKENS;

describe('security: roster files', () => {
  let gateway: Gateway;
  let base: string;
  let dir: string;
  const logs: string[] = [];
  const upload = (who: Who | undefined, body: Uint8Array | string, type = 'text/csv') =>
    fetch(`${base}/api/sessions/roster-file`, { method: 'POST', body, headers: { 'content-type': type, ...(who && { authorization: `Bearer ${TOKENS[who]}` }) } });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gw-roster-file-'));
    const config = parseConfig({
      insecure: true, // the broker is open on loopback; the API has tokens
      site: { id: 'sec-school', name: 'Security School' },
      broker: { port: 0, host: '127.0.0.1' },
      http: {
        port: 0, host: '127.0.0.1',
        tokens: (['li', 'admin', 'facilities', 'district'] as const).map((who) => ({ role: who === 'li' ? 'teacher' as const : who, tokenHash: hashToken(TOKENS[who]), name: who })),
      },
      store: { kind: 'embedded', path: join(dir, 'data') },
      privacy: { pseudonymKeyFile: join(dir, 'pseudonym.key') },
      devices: [{ id: 'P-SECRET-PEN-7', template: 'smart-pen', person: 'S-7' }],
    });
    const sink = new Writable({ write(chunk: Buffer, _enc, done) { logs.push(chunk.toString()); done(); } });
    gateway = createGateway(config, { log: pino({ level: 'trace' }, sink) });
    await gateway.start();
    base = `http://127.0.0.1:${gateway.ports().http}`;
  });
  afterAll(async () => {
    await gateway?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lets teacher and admin upload, nobody else', async () => {
    const csv = 'P-SECRET-PEN-7,欧阳娜娜\n';
    expect((await upload('li', csv)).status).toBe(200);
    expect((await upload('admin', csv)).status).toBe(200);
    expect((await upload('facilities', csv)).status).toBe(403);
    expect((await upload('district', csv)).status).toBe(403);
    expect((await upload(undefined, csv)).status).toBe(401);
  });

  it('refuses a chunked body past 1 MiB while it streams, without waiting for the rest', async () => {
    const answer = await new Promise<{ status: number; body: string; sent: number }>((resolve, reject) => {
      const url = new URL('/api/sessions/roster-file', base);
      const req = request(url, { method: 'POST', headers: { 'content-type': 'text/csv', authorization: `Bearer ${TOKENS.li}`, 'transfer-encoding': 'chunked' } });
      let sent = 0;
      const chunk = Buffer.alloc(64 * 1024, 0x41);
      // Up to 64 MiB offered; the answer comes long before.
      const pump = () => {
        while (sent < 64 * 1024 * 1024 && !req.destroyed) { sent += chunk.length; if (!req.write(chunk)) { req.once('drain', pump); return; } }
        req.end();
      };
      req.on('response', (res) => {
        let body = '';
        res.on('data', (d: Buffer) => { body += d.toString(); });
        res.on('end', () => { resolve({ status: res.statusCode ?? 0, body, sent }); req.destroy(); });
      });
      req.on('error', reject);
      pump();
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'GW_ERR_ROSTER_FILE_TOO_LARGE' } });
    expect(answer.sent).toBeLessThan(64 * 1024 * 1024);
  });

  it('refuses an XLSX zip bomb by its inflated size', async () => {
    const bomb = zipSync({ '[Content_Types].xml': new Uint8Array(10), 'xl/sharedStrings.xml': new Uint8Array(40 * 1024 * 1024) }, { level: 9 });
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const res = await upload('li', bomb, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(res.status).toBe(413);
    expect((await res.json() as { error: { code: string } }).error.code).toBe('GW_ERR_ROSTER_FILE_TOO_LARGE');
  });

  it('logs no name and no device from a file, read or refused', async () => {
    expect((await upload('li', 'P-SECRET-PEN-7,司马光明\nP-NOBODY-3,"诸葛亮亮\n')).status).toBe(400);
    expect((await upload('li', '设备,学生\nP-SECRET-PEN-7,司马光明\n')).status).toBe(200);
    const all = logs.join('');
    expect(all).toContain('roster file read');
    for (const secret of ['司马光明', '诸葛亮亮', '欧阳娜娜', 'P-SECRET-PEN-7', 'P-NOBODY-3']) expect(all).not.toContain(secret);
  });
});
