// Device behaviour is template data: three devices of known kinds from vendors the catalog does not
// have (a smart board that says `screen: active`, a panel light whose lamp field is `lit`, a pen that
// numbers its strokes in a `line` tag), each added as YAML only in a templates directory, are counted
// by the running gateway: usage and lighting summaries (real broker, real windows) and the class-session
// export (pen points, strokes, and only the fields the template's session section lets out).
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../src/api/token-hash.js';
import { parseConfig } from '../../src/config/load.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { silentLogger } from '../../src/log.js';
import { defaultTemplatesDir } from '../../src/templates/load.js';
import { startMosquitto, until, type MosquittoServer } from '../kit/index.js';

const TEACHER = 'teacher-li-5e6f7a8b9c0d1e2f';
const ADMIN = 'admin-it-9f8e7d6c5b4a3f2e';

const NEW_TEMPLATES: Record<string, { template: string; samples: string }> = {
  'acme-board': {
    template: `id: acme-board
name: ACME interactive display
zh: 交互显示屏
category: teaching
transport: mqtt
offlineAfterMs: 300000
fields:
  - { name: screen, zh: 屏幕, type: enum, values: [active, sleep, off], role: state }
behaviour:
  inUse:
    - { metric: board_on_min, field: screen, values: [active] }
mqtt:
  fields: { screen: scr }
`,
    samples: `good:
  - { name: on, payload: { scr: active }, expect: [{ ts: 1700000000000, fields: { screen: active } }] }
  - { name: asleep, payload: { scr: sleep }, expect: [{ ts: 1700000000000, fields: { screen: sleep } }] }
bad:
  - { name: unknown state, payload: { scr: dim }, code: unknown_enum, reason: 'screen (scr): "dim" is not one of active|sleep|off' }
  - { name: not json, raw: 'scr=active', code: not_json, reason: payload is not JSON }
`,
  },
  'acme-panel-light': {
    template: `id: acme-panel-light
name: ACME panel light
zh: 平板灯
category: lighting
transport: mqtt
offlineAfterMs: 300000
fields:
  - { name: lit, zh: 开关, type: boolean, role: state }
  - { name: draw_w, zh: 功率, type: number, unit: W, min: 0, max: 200, role: gauge }
behaviour:
  light: { on: [lit], power: draw_w }
mqtt:
  fields: { lit: l, draw_w: w }
`,
    samples: `good:
  - { name: lit, payload: { l: true, w: 30 }, expect: [{ ts: 1700000000000, fields: { lit: true, draw_w: 30 } }] }
  - { name: dark, payload: { l: false, w: 0 }, expect: [{ ts: 1700000000000, fields: { lit: false, draw_w: 0 } }] }
bad:
  - { name: too much power, payload: { l: true, w: 900 }, code: out_of_range, reason: 'draw_w (w): 900 is outside 0…200' }
  - { name: lamp as 0/1, payload: { l: 1, w: 30 }, code: wrong_type, reason: 'lit (l): expected true or false, got 1' }
`,
  },
  'acme-pen': {
    template: `id: acme-pen
name: ACME dot-paper pen
zh: 点阵笔
category: teaching
transport: mqtt
offlineAfterMs: 300000
tags: [sheet, line]
fields:
  - { name: pen, zh: 笔编号, type: string, role: state, privacy: id }
  - { name: x_mm, zh: 横坐标, type: number, unit: mm, min: 0, max: 500, role: gauge }
  - { name: y_mm, zh: 纵坐标, type: number, unit: mm, min: 0, max: 500, role: gauge }
  - { name: battery_pct, zh: 电量, type: number, unit: '%', min: 0, max: 100, role: gauge }
behaviour:
  pen: { x: x_mm, y: y_mm, stroke: line, page: sheet }
  session: { fields: [x_mm, y_mm] }
mqtt:
  fields: { pen: id, x_mm: x, y_mm: y, battery_pct: bat }
  tags: { sheet: sheet, line: line }
`,
    samples: `good:
  - { name: point, payload: { id: AP-1, x: 1, y: 2, bat: 80, sheet: s1, line: "0" }, expect: [{ ts: 1700000000000, fields: { pen: AP-1, x_mm: 1, y_mm: 2, battery_pct: 80 }, tags: { sheet: s1, line: "0" } }] }
  - { name: next stroke, payload: { id: AP-1, x: 3, y: 4, bat: 80, sheet: s1, line: "1" }, expect: [{ ts: 1700000000000, fields: { pen: AP-1, x_mm: 3, y_mm: 4, battery_pct: 80 }, tags: { sheet: s1, line: "1" } }] }
bad:
  - { name: off the page, payload: { id: AP-1, x: 900, y: 2, bat: 80, sheet: s1, line: "0" }, code: out_of_range, reason: 'x_mm (x): 900 is outside 0…500' }
  - { name: no pen id, payload: { x: 1, y: 2, bat: 80, sheet: s1, line: "0" }, code: missing_field, reason: 'pen: payload key id is missing' }
`,
  },
};

interface Summary { kind: string; values: Record<string, number> }

let dir: string;
let hubBroker: MosquittoServer;
let gw: Gateway;
let dev: MqttClient;
let base: string;

const api = (path: string, init: RequestInit = {}, token = TEACHER) => fetch(`${base}${path}`, {
  ...init, headers: { authorization: `Bearer ${token}`, ...(init.body ? { 'content-type': 'application/json' } : {}) },
});

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cg-behaviour-'));
  const templatesDir = join(dir, 'templates');
  cpSync(defaultTemplatesDir(), templatesDir, { recursive: true, filter: (src) => !src.includes('node_modules') });
  for (const [id, files] of Object.entries(NEW_TEMPLATES)) {
    mkdirSync(join(templatesDir, id));
    writeFileSync(join(templatesDir, id, 'template.yaml'), files.template);
    writeFileSync(join(templatesDir, id, 'samples.yaml'), files.samples);
  }
  hubBroker = await startMosquitto();
  gw = createGateway(parseConfig({
    insecure: true, // on loopback, open on purpose (no broker auth)
    site: { id: 'acme-school' },
    templatesDir,
    broker: { port: 0, host: '127.0.0.1' },
    http: { port: 0, host: '127.0.0.1', tokens: [{ role: 'teacher', tokenHash: hashToken(TEACHER), name: 'ms-li' }, { role: 'admin', tokenHash: hashToken(ADMIN), name: 'it' }] },
    store: { kind: 'embedded', path: join(dir, 'store') },
    privacy: { pseudonymKeyFile: join(dir, 'pseudonym.key') },
    uplink: { url: hubBroker.url, windowSeconds: 1, graceSeconds: 0, outboxPath: join(dir, 'outbox.db'), summariesStatePath: join(dir, 'summaries.bin') },
    devices: [
      { id: 'ab-1', template: 'acme-board', room: 'A101', building: 'A' },
      { id: 'al-1', template: 'acme-panel-light', room: 'A101', building: 'A' },
      { id: 'AP-1', template: 'acme-pen', person: 'S-A' },
    ],
    log: { level: 'silent' },
  }), { log: silentLogger() });
  await gw.start();
  base = `http://127.0.0.1:${gw.ports().http}`;
  dev = await mqtt.connectAsync(`mqtt://127.0.0.1:${gw.ports().mqtt}`, { clientId: 'acme-devices', reconnectPeriod: 0 });
});

afterAll(async () => {
  await dev?.endAsync();
  await gw?.stop();
  await hubBroker?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a template of a known kind needs no code', () => {
  it('loads the three YAML-only templates', () => {
    for (const id of Object.keys(NEW_TEMPLATES)) expect(gw.templates.get(id)?.behaviour, id).toBeDefined();
  });

  it('counts a new vendor\'s board in usage and a new light in lighting', async () => {
    await dev.publishAsync('campus/acme-board/ab-1/telemetry', JSON.stringify({ scr: 'active' }), { qos: 1 });
    await dev.publishAsync('campus/acme-panel-light/al-1/telemetry', JSON.stringify({ l: true, w: 30 }), { qos: 1 });
    const found = await until('usage and lighting summaries with the new devices', async () => {
      const res = await api(`/api/summaries?from=${new Date(Date.now() - 600_000).toISOString()}`, {}, ADMIN);
      const items = (await res.json() as { items: Summary[] }).items;
      const usage = items.find((s) => s.kind === 'usage' && (s.values.board_on_min ?? 0) > 0);
      const lighting = items.find((s) => s.kind === 'lighting' && (s.values.lamp_on_h ?? 0) > 0);
      return usage && lighting ? { usage, lighting } : undefined;
    }, 20_000, 200);
    expect(found.usage.values.rooms).toBe(1);
    expect(found.lighting.values.rooms_lit).toBe(1);
  });

  it('exports a new vendor\'s pen points and strokes, with only the fields its session section names', async () => {
    const created = await api('/api/sessions', {
      method: 'POST', body: JSON.stringify({ room: 'A101', class: '7B', subject: 'Maths', roster: [{ device: 'AP-1', student: 'Alice Wang' }] }),
    });
    expect(created.status).toBe(201);
    const { id } = await created.json() as { id: string };
    const t0 = Date.now();
    const points = [['0', 1], ['0', 2], ['0', 3], ['1', 4], ['1', 5]] as const;
    for (const [i, [line, x]] of points.entries()) {
      await dev.publishAsync('campus/acme-pen/rx-1/telemetry', JSON.stringify({ id: 'AP-1', x, y: 10, bat: 77, sheet: 's1', line, ts: t0 + i * 10 }), { qos: 1 });
    }
    await until('the five points captured', async () => {
      const live = await (await api(`/api/sessions/${id}`)).json() as { captured: number };
      return live.captured === 5 ? true : undefined;
    }, 10_000, 100);
    const body = await (await api(`/api/sessions/${id}/export?format=json`)).json() as {
      students: Array<{ summary: Record<string, unknown>; readings: Array<{ fields: Record<string, unknown>; tags: Record<string, string> }> }>;
    };
    const alice = body.students[0]!;
    expect(alice.summary).toMatchObject({ readings: 5, by_template: { 'acme-pen': 5 }, pen_points: 5, pen_strokes: 2 });
    expect(alice.readings[0]!.fields).toEqual({ x_mm: 1, y_mm: 10 });
    expect(alice.readings[0]!.tags).toMatchObject({ sheet: 's1', line: '0' });
    const csv = await (await api(`/api/sessions/${id}/export?format=csv`)).text();
    expect(csv.split('\r\n')[0]).toBe('student,device,template,ts,event,tag_line,tag_sheet,x_mm,y_mm');
  });
});
