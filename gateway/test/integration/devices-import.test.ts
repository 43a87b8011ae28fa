/**
 * Provisioning a school through the admin API of a real running gateway (createGateway,
 * ports 0, broker auth and API tokens on): 2,000 devices imported from CSV log in over
 * MQTT with their generated secrets at once, with no restart, and still after one;
 * one bad line in a 2,000-line file imports nothing and is named; re-importing is no
 * change; export round-trips; `campus-gateway devices import|export` does the same
 * from the command line.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDevicesCsv } from '../../src/broker/device-csv.js';
import { repoRoot } from '../kit/index.js';
import { ADMIN_TOKEN, deviceLogin, importCsv, schoolCsv, startImportGateway, type ImportAnswer, type ImportGateway } from './devices-import-harness.js';

const dir = mkdtempSync(join(tmpdir(), 'cg-import-'));
const school = schoolCsv(2_000);
const light = { id: school.ids[0]!, topic: `campus/classroom-light/${school.ids[0]}/telemetry`, payload: JSON.stringify({ on: true, bri: 80, cct: 5000, lux: 512, pw: 36.5 }) };
let gw: ImportGateway;
let first: ImportAnswer;

beforeAll(async () => {
  gw = await startImportGateway(dir);
});
afterAll(async () => {
  await gw?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--conditions=source', '--import', 'tsx', 'gateway/src/cli.ts', 'devices', ...args], {
      cwd: repoRoot, env: { ...process.env, GATEWAY_CONFIG: '', GATEWAY_URL: gw.base, ...env }, maxBuffer: 16 * 1024 * 1024,
    }, (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
  });
}

describe('devices import through the admin API', () => {
  it('imports 2,000 devices, and one logs in with its generated secret without a restart', async () => {
    const started = performance.now();
    const res = await importCsv(gw, school.csv);
    const ms = performance.now() - started;
    expect(res.status, await res.clone().text()).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    first = await res.json() as ImportAnswer;
    console.log(`[devices-import] 2,000 devices imported in ${Math.round(ms)} ms (HTTP round trip, 2,000 scrypt N=256 hashes)`);
    expect(first).toMatchObject({ devices: 2000, added: 2000, updated: 0, unchanged: 0, secretsMade: 2000 });
    expect(first.secrets.map((s) => s.id)).toEqual(school.ids);
    expect(new Set(first.secrets.map((s) => s.secret)).size).toBe(2000);

    expect(gw.gateway.registry.get(school.ids[2]!)).toMatchObject({ provisioned: true, template: 'smart-pen', building: '教学楼C', person: '学生2', status: 'never' });
    expect(gw.gateway.registry.get(school.ids[1]!)?.room).toBe('100, east');
    const secret = first.secrets[0]!.secret;
    expect(await deviceLogin(gw.mqttUrl, light.id, secret, light)).toBe(0);
    expect(gw.gateway.registry.get(light.id)?.status).toBe('online');
    expect(await deviceLogin(gw.mqttUrl, light.id, `${secret}x`)).toBe(4);
  });

  it('changes nothing on a second import of the same file: no new secrets, the old ones still log in', async () => {
    const res = await importCsv(gw, school.csv);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ devices: 2000, added: 0, updated: 0, unchanged: 2000, secretsMade: 0, connectionsClosed: 0, secrets: [] });
    expect(await deviceLogin(gw.mqttUrl, light.id, first.secrets[0]!.secret)).toBe(0);
  });

  it('imports nothing from a 2,000-line file with one bad line, and names that line', async () => {
    const other = schoolCsv(2_000, 'T');
    const lines = other.csv.split('\n');
    lines[1537] = lines[1537]!.replace(/,(classroom-light|energy-meter-1p|smart-pen|student-wristband),/, ',no-such-template,');
    const before = gw.gateway.registry.list().length;
    const res = await importCsv(gw, lines.join('\n'));
    expect(res.status).toBe(400);
    const body = await res.json() as { error: { code: string; message: string; problems: string[] } };
    expect(body.error.code).toBe('GW_ERR_IMPORT_INVALID');
    expect(body.error.problems).toEqual(['line 1538: unknown template "no-such-template"']);
    expect(body.error.message).toBe('nothing imported: line 1538: unknown template "no-such-template"');
    expect(gw.gateway.registry.list().length).toBe(before);
    expect(gw.gateway.registry.get(other.ids[0]!)).toBeUndefined();
    expect(await deviceLogin(gw.mqttUrl, other.ids[0]!, 'whatever-secret-123')).toBe(4);
  });

  it('exports the devices without secrets, and the export imports back as no change', async () => {
    const res = await gw.api('/api/devices/export');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const csv = Buffer.from(await res.arrayBuffer()).toString('utf8'); // res.text() would drop the byte order mark
    expect(csv.startsWith('\uFEFFid,template,building,room,person\r\n')).toBe(true);
    for (const s of first.secrets.slice(0, 50)) expect(csv).not.toContain(s.secret);
    const exported = parseDevicesCsv(csv);
    const imported = parseDevicesCsv(school.csv);
    if (!exported.ok || !imported.ok) throw new Error('unparseable');
    const strip = (rows: typeof exported.rows) => rows.map(({ id, template, building, room, person }) => ({ id, template, building, room, person }));
    expect(strip(exported.rows)).toEqual(strip(imported.rows));
    const again = await importCsv(gw, csv);
    expect(await again.json()).toMatchObject({ added: 0, updated: 0, unchanged: 2000, secrets: [] });
  });

  it('takes JSON rows by the same rules', async () => {
    const post = (devices: object[]) => gw.api('/api/devices/import', { method: 'POST', type: 'application/json', body: JSON.stringify({ devices }) });
    const bad = await post([{ id: 'J-1', template: 'classroom-light' }, { id: 'J-1', template: 'classroom-light' }]);
    expect((await bad.json() as { error: { problems: string[] } }).error.problems).toEqual(['row 2: duplicate id (also on row 1)']);
    const ok = await post([{ id: 'J-1', template: 'classroom-light', room: '301' }, { id: school.ids[0], template: 'classroom-light', room: '' }]);
    expect(await ok.json()).toMatchObject({ added: 1, updated: 1, secretsMade: 1 });
    expect(gw.gateway.registry.get(school.ids[0]!)?.room).toBeUndefined();
    expect((await post([{ id: school.ids[0], template: 'classroom-light', room: '100' }])).status).toBe(200);
  });

  it('keeps the imported devices across a restart (the devices file in the data dir)', async () => {
    const file = join(dir, 'data', 'devices.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).not.toContain(first.secrets[0]!.secret);
    await gw.stop();
    gw = await startImportGateway(dir);
    expect(gw.gateway.registry.get(school.ids[3]!)).toMatchObject({ provisioned: true, template: 'student-wristband', person: 'Wang, 3' });
    expect(await deviceLogin(gw.mqttUrl, light.id, first.secrets[0]!.secret, light)).toBe(0);
    // the first logins after a restart verify scrypt (no cache yet): 400 devices, 20 at a time
    const sample = first.secrets.slice(1, 401);
    const started = performance.now();
    const codes: number[] = [];
    for (let i = 0; i < sample.length; i += 20) {
      codes.push(...await Promise.all(sample.slice(i, i + 20).map((s) => deviceLogin(gw.mqttUrl, s.id, s.secret))));
    }
    console.log(`[devices-import] 400 first logins after a restart in ${Math.round(performance.now() - started)} ms`);
    expect(codes.every((c) => c === 0)).toBe(true);
  });
});

describe('campus-gateway devices import|export (CLI against the running gateway)', () => {
  it('imports a file, prints the new secrets once as id,secret, and a device logs in with one', async () => {
    const file = join(dir, 'wing-b.csv');
    writeFileSync(file, 'id,template,building,room\nB-light-1,classroom-light,B,201\nB-light-2,classroom-light,B,202\nS-00000,classroom-light,教学楼A,100\n');
    const r = await cli(['import', file], { GATEWAY_TOKEN: ADMIN_TOKEN });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split(/\r?\n/);
    expect(lines[0]).toBe('id,secret');
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(['B-light-1', 'B-light-2']);
    expect(r.stderr).toContain('3 devices: 2 added, 0 updated, 1 unchanged');
    const secret = lines[1]!.split(',')[1]!;
    expect(await deviceLogin(gw.mqttUrl, 'B-light-1', secret, { topic: 'campus/classroom-light/B-light-1/telemetry', payload: light.payload })).toBe(0);

    const again = await cli(['import', file], { GATEWAY_TOKEN: ADMIN_TOKEN });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe('');
    expect(again.stderr).toContain('3 devices: 0 added, 0 updated, 3 unchanged');
  });

  it('names the bad lines and exits 1, and refuses without an admin token', async () => {
    const file = join(dir, 'bad.csv');
    writeFileSync(file, 'id,template\nC-1,classroom-light\nC-1,classroom-light\nC-2,lava-lamp\n');
    const r = await cli(['import', file, '--token', ADMIN_TOKEN]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('nothing imported (2 problems):\n  line 3: duplicate id (also on line 2)\n  line 4: unknown template "lava-lamp"');
    expect(gw.gateway.registry.get('C-1')).toBeUndefined();
    const denied = await cli(['import', file]);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/GW_ERR_UNAUTHORIZED[\s\S]*an admin token is needed/);
  });

  it('exports to a 0600 file, and says so when the gateway is not there', async () => {
    const out = join(dir, 'export.csv');
    const r = await cli(['export', '--out', out], { GATEWAY_TOKEN: ADMIN_TOKEN });
    expect(r.code, r.stderr).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(readFileSync(out, 'utf8')).toContain('B-light-2,classroom-light,B,202,');
    const gone = await cli(['export', '--url', 'http://127.0.0.1:1'], { GATEWAY_TOKEN: ADMIN_TOKEN });
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/GW_ERR_GATEWAY_UNREACHABLE: cannot reach the gateway at http:\/\/127\.0\.0\.1:1/);
  });
});
