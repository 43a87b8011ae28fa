/**
 * Issue #16, ingest: attacks on the decode → validate → store path through the real interfaces.
 * - (item 4) A QoS 1 reading the store cannot encode (a newline in a string, a lone surrogate, a
 *   tag with a backslash …) is refused before its PUBACK and reported on the rejected topic; it is
 *   never acknowledged, shown in /latest, and then dropped by the store. Real influxd (test kit).
 * - (item 11) Rejections name the field and the rule, never a personal value: the rejected topic
 *   (real MQTT subscriber to aedes) and the API's last_error carry no card number, no heart rate,
 *   no raw excerpt of a personal template, and a personal device only by its pseudonym.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { SerialPort } from 'serialport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { silentLogger } from '../../src/log.js';
import { createPtyPair, startInflux, until, type InfluxServer, type PtyPair } from '../kit/index.js';

const T = 180_000;

/** A gateway on loopback with free ports and its key in `dir` (open on purpose: auth is not what is tested). */
async function startGateway(site: string, dir: string, extra: Record<string, unknown>): Promise<{ gw: Gateway; base: string; url: string }> {
  const gw = createGateway(parseConfig({
    insecure: true,
    site: { id: site },
    broker: { port: 0, host: '127.0.0.1' },
    http: { port: 0, host: '127.0.0.1' },
    privacy: { pseudonymKeyFile: join(dir, 'pseudonym.key') },
    ...extra,
  }), { log: silentLogger() });
  await gw.start();
  return { gw, base: `http://127.0.0.1:${gw.ports().http}`, url: `mqtt://127.0.0.1:${gw.ports().mqtt}` };
}
const PSEUDONYM = /^p-[0-9a-f]{24}$/;

interface RejectedMessage { ts?: string; template: string; device?: string; code: string; reason: string; field?: string; topic?: string; raw?: string; bytes?: number }

/** A subscriber to the rejected topic, collecting every message as text and parsed. */
async function watchRejected(url: string, site: string): Promise<{ client: MqttClient; texts: string[]; messages: RejectedMessage[] }> {
  const client = await mqtt.connectAsync(url, { clientId: `rejected-watch-${site}`, reconnectPeriod: 0 });
  const texts: string[] = [];
  const messages: RejectedMessage[] = [];
  client.on('message', (_t, payload) => {
    texts.push(payload.toString('utf8'));
    messages.push(JSON.parse(payload.toString('utf8')) as RejectedMessage);
  });
  await client.subscribeAsync(`gateway/${site}/rejected`, { qos: 1 });
  return { client, texts, messages };
}

describe('#16.4: nothing is acknowledged that the store then drops (store.kind influx, real influxd)', () => {
  const DB = 'ingest_security';
  let dir: string;
  let influx: InfluxServer;
  let gw: Gateway;
  let base: string;
  let url: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sec-ingest-influx-'));
    influx = await startInflux();
    await influx.createDatabase(DB);
    ({ gw, base, url } = await startGateway('sec-influx', dir, {
      store: { kind: 'influx', url: influx.url, apiVersion: 1, database: DB, flushMs: 50, spoolPath: join(dir, 'spool') },
      // A room typed with a line break (config, or the admin API): every reading would carry it as a tag.
      devices: [{ id: 'SB-303', template: 'smart-board', room: 'Lab\n2' }],
    }));
  }, T);
  afterAll(async () => {
    await gw?.stop();
    await influx?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, T);

  async function points(measurement: string, device: string): Promise<unknown[][]> {
    const r = await influx.query(`SELECT * FROM "${measurement}" WHERE "device" = '${device}'`, DB);
    return r.results[0]?.series?.[0]?.values ?? [];
  }

  it('the issue\'s smart-board payload (a newline in app) is rejected as invalid_string before its PUBACK: not in /latest, not dropped', async () => {
    const watch = await watchRejected(url, 'sec-influx');
    const board = await mqtt.connectAsync(url, { clientId: 'SB-301', reconnectPeriod: 0 });
    const topic = 'campus/smart-board/SB-301/telemetry';
    await board.publishAsync(topic, '{"power":"on","src":"ops","app":"white\\nboard","touches":3,"temp":40}', { qos: 1 });
    await until('the rejection', () => (watch.messages.length >= 1 ? true : undefined));
    expect(watch.messages[0]).toMatchObject({ template: 'smart-board', device: 'SB-301', code: 'invalid_string', field: 'active_app' });
    expect(watch.messages[0]!.reason).toMatch(/^active_app \(app\): /);
    expect((await fetch(`${base}/api/devices/SB-301/latest`)).status).toBe(404);
    const device = await (await fetch(`${base}/api/devices/SB-301`)).json() as { last_error: string | null };
    expect(device.last_error).toMatch(/^invalid_string: active_app/);

    // The same device's next good reading is acknowledged only once stored, and is the only point.
    await board.publishAsync(topic, '{"power":"on","src":"ops","app":"whiteboard","touches":4,"temp":41}', { qos: 1 });
    const stored = await points('smart_board', 'SB-301');
    expect(stored).toHaveLength(1);
    expect(JSON.stringify(stored[0])).toContain('"whiteboard"');
    expect(gw.store.health().dropped).toEqual({});
    await board.endAsync();
    await watch.client.endAsync();
  }, T);

  it('every QoS 1 publish whose values no line protocol can hold is rejected, each counted; the store drops nothing', async () => {
    const watch = await watchRejected(url, 'sec-influx');
    const board = await mqtt.connectAsync(url, { clientId: 'SB-302', reconnectPeriod: 0 });
    const pen = await mqtt.connectAsync(url, { clientId: 'PEN-9', reconnectPeriod: 0 });
    const boardTopic = 'campus/smart-board/SB-302/telemetry';
    const app = (s: string): string => JSON.stringify({ power: 'on', src: 'ops', app: s, touches: 1, temp: 30 });
    const bad: Array<[MqttClient, string, string]> = [
      [board, boardTopic, app('carriage\rreturn')],
      [board, boardTopic, app('nul\u0000byte')],
      [board, boardTopic, app('escape \u001b[2J')],
      [board, boardTopic, '{"power":"on","src":"ops","app":"half \\ud800 surrogate","touches":1,"temp":30}'],
      [board, boardTopic, app('x'.repeat(70_000))],
      // A tag with a trailing backslash (ambiguous in line protocol) and one with a newline.
      [pen, 'campus/smart-pen/PEN-9/telemetry', JSON.stringify({ pen: 'PEN-9', page: 'p\\', strokes: [{ t0: 1_700_000_000_000, pts: [[1, 2, 300, 0]] }] })],
      [pen, 'campus/smart-pen/PEN-9/telemetry', JSON.stringify({ pen: 'PEN-9', page: 'p\n1', strokes: [{ t0: 1_700_000_000_000, pts: [[1, 2, 300, 0]] }] })],
    ];
    for (const [client, topic, payload] of bad) await client.publishAsync(topic, payload, { qos: 1 });
    await until('every rejection', () => (watch.messages.length >= bad.length ? true : undefined));
    expect(watch.messages.map((m) => m.code)).toEqual(bad.map(() => 'invalid_string'));
    expect(watch.messages.map((m) => m.field ?? m.reason.split(' (')[0])).toEqual(['active_app', 'active_app', 'active_app', 'active_app', 'active_app', 'tag page', 'tag page']);
    // What was acknowledged and not rejected is stored: one good reading each, nothing dropped.
    await board.publishAsync(boardTopic, app('ok'), { qos: 1 });
    await pen.publishAsync('campus/smart-pen/PEN-9/telemetry', JSON.stringify({ pen: 'PEN-9', page: 'p1', strokes: [{ t0: 1_700_000_000_000, pts: [[1, 2, 300, 0]] }] }), { qos: 1 });
    expect(await points('smart_board', 'SB-302')).toHaveLength(1);
    expect(await points('smart_pen', 'PEN-9')).toHaveLength(1);
    expect(gw.store.health().dropped).toEqual({});
    expect(gw.pipeline.stats().rejected.invalid_string).toBeGreaterThanOrEqual(bad.length);
    await Promise.all([board.endAsync(), pen.endAsync(), watch.client.endAsync()]);
  }, T);

  it('a registry room no store can hold is refused at ingest (invalid_string naming the tag), not acked and dropped', async () => {
    const watch = await watchRejected(url, 'sec-influx');
    const board = await mqtt.connectAsync(url, { clientId: 'SB-303', reconnectPeriod: 0 });
    await board.publishAsync('campus/smart-board/SB-303/telemetry', JSON.stringify({ power: 'on', src: 'ops', app: 'ok', touches: 1, temp: 30 }), { qos: 1 });
    await until('the rejection', () => (watch.messages.length >= 1 ? true : undefined));
    expect(watch.messages[0]).toMatchObject({ device: 'SB-303', code: 'invalid_string' });
    expect(watch.messages[0]!.reason).toMatch(/^tag room \(from the device registry\): invalid_string \(control character U\+000A at index 3\)$/);
    expect((await fetch(`${base}/api/devices/SB-303/latest`)).status).toBe(404);
    expect(await points('smart_board', 'SB-303')).toHaveLength(0);
    expect(gw.store.health().dropped).toEqual({});
    await Promise.all([board.endAsync(), watch.client.endAsync()]);
  }, T);
});

describe('#16.11: rejections carry no personal value (rejected topic, lastError)', () => {
  let dir: string;
  let gw: Gateway;
  let base: string;
  let url: string;
  let pty: PtyPair;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sec-ingest-privacy-'));
    pty = await createPtyPair();
    ({ gw, base, url } = await startGateway('sec-privacy', dir, {
      store: { kind: 'embedded', path: dir },
      adapters: { serial: [{ path: pty.a, template: 'fitness-test-station', deviceId: 'FT-GYM-1' }] },
    }));
  }, T);
  afterAll(async () => {
    await gw?.stop();
    await pty?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, T);

  async function lastError(id: string): Promise<string> {
    const d = await (await fetch(`${base}/api/devices/${id}`)).json() as { last_error: string | null };
    return d.last_error ?? '';
  }

  it('a heart rate out of range, a card number as a number, a non-JSON payload holding a card: no value, no raw excerpt, the device by pseudonym', async () => {
    const watch = await watchRejected(url, 'sec-privacy');
    const band = await mqtt.connectAsync(url, { clientId: 'WB-7731', reconnectPeriod: 0 });
    const door = await mqtt.connectAsync(url, { clientId: 'DOOR-E1', reconnectPeriod: 0 });
    const kiosk = await mqtt.connectAsync(url, { clientId: 'KIOSK-2', reconnectPeriod: 0 });
    await band.publishAsync('campus/student-wristband/WB-7731/telemetry', JSON.stringify({ band: 'B-2023777', hr: 231, steps: 10, spo2: 97, temp: 36.5 }), { qos: 1 });
    await door.publishAsync('campus/door-access/DOOR-E1/event', JSON.stringify({ evt: 'access', card: 2023999, granted: true }), { qos: 1 });
    await kiosk.publishAsync('campus/morning-check-kiosk/KIOSK-2/telemetry', '{"card":"2023888","temp":41.9,flags:', { qos: 1 });
    await kiosk.publishAsync('campus/morning-check-kiosk/KIOSK-2/telemetry', JSON.stringify({ card: '2023888', temp: 47.25, flags: ['cough'] }), { qos: 1 });
    await until('four rejections', () => (watch.messages.length >= 4 ? true : undefined));

    const [hr, card, notJson, temp] = watch.messages as [RejectedMessage, RejectedMessage, RejectedMessage, RejectedMessage];
    expect(hr).toMatchObject({ template: 'student-wristband', code: 'out_of_range', field: 'heart_rate_bpm', reason: 'heart_rate_bpm (hr): out_of_range (max 230)' });
    expect(card).toMatchObject({ template: 'door-access', code: 'wrong_type', field: 'card', reason: 'card (card): wrong_type (expected a string, got a number)' });
    expect(notJson).toMatchObject({ template: 'morning-check-kiosk', code: 'not_json' });
    expect(temp).toMatchObject({ template: 'morning-check-kiosk', code: 'out_of_range', field: 'body_temp_c', reason: 'body_temp_c (temp): out_of_range (max 43)' });
    for (const m of watch.messages) {
      expect(m.device).toMatch(PSEUDONYM);
      expect(m.raw).toBeUndefined();
      expect(m.topic).toBeUndefined();
      expect(m.bytes).toBeGreaterThan(0);
    }
    // Every byte on the wire but the time stamp and the pseudonym (checked above), whose random
    // digits could hold a number like 231 by chance.
    const wire = watch.messages.map(({ ts: _ts, device: _device, ...rest }) => JSON.stringify(rest)).join('\n');
    expect(watch.texts.join('\n').length).toBeGreaterThan(0);
    for (const secret of ['231', '2023777', '2023999', '2023888', '41.9', '47.25', 'WB-7731', 'DOOR-E1', 'KIOSK-2', 'cough']) expect(wire).not.toContain(secret);
    // The pseudonym is the one the readings of that device are stored under.
    expect(hr.device).toBe(gw.pseudonymizer.pseudonym('WB-7731'));

    const errors = [await lastError('WB-7731'), await lastError('DOOR-E1'), await lastError('KIOSK-2')];
    expect(errors).toEqual(['out_of_range: heart_rate_bpm (hr): out_of_range (max 230)', 'wrong_type: card (card): wrong_type (expected a string, got a number)', 'out_of_range: body_temp_c (temp): out_of_range (max 43)']);
    await Promise.all([band.endAsync(), door.endAsync(), kiosk.endAsync(), watch.client.endAsync()]);
  }, T);

  it('a non-personal template keeps a short, useful message: device id, value, a short raw excerpt', async () => {
    const watch = await watchRejected(url, 'sec-privacy');
    const board = await mqtt.connectAsync(url, { clientId: 'SB-9', reconnectPeriod: 0 });
    await board.publishAsync('campus/smart-board/SB-9/telemetry', JSON.stringify({ power: 'on', src: 'ops', app: 'x'.repeat(250), touches: 1, temp: 95 }), { qos: 1 });
    await until('the rejection', () => (watch.messages.length >= 1 ? true : undefined));
    const m = watch.messages[0]!;
    expect(m).toMatchObject({ template: 'smart-board', device: 'SB-9', code: 'out_of_range', field: 'panel_temp_c', reason: 'panel_temp_c (temp): 95 is outside 0…90', topic: 'campus/smart-board/SB-9/telemetry' });
    expect(m.raw!.length).toBeLessThanOrEqual(120);
    expect(m.bytes).toBeGreaterThan(250);
    await Promise.all([board.endAsync(), watch.client.endAsync()]);
  }, T);

  it('a serial fitness station (socat pty): bad lines are rejected without the card, the measured value or the line', async () => {
    const watch = await watchRejected(url, 'sec-privacy');
    const port = await new Promise<SerialPort>((resolve, reject) => {
      const p = new SerialPort({ path: pty.b, baudRate: 9600 }, (err) => (err ? reject(err) : resolve(p)));
    });
    const lines = ['FT,S2023555,HEIGHT,300,cm', 'FT,S2023556,WEIGHT,92,lb', 'FT,S2023557,S2023557,7,x', 'S2023558 jumped 7', 'FT,S2023559,RUN50,fast,s'];
    port.write(lines.map((l) => `${l}\r\n`).join(''));
    await until('five rejections', () => (watch.messages.length >= 5 ? true : undefined));
    expect(watch.messages.map((m) => m.code)).toEqual(['out_of_range', 'wrong_type', 'unknown_enum', 'bad_line', 'wrong_type']);
    expect(watch.messages[0]).toMatchObject({ template: 'fitness-test-station', reason: 'height_cm (column 4): out_of_range (max 250)' });
    // Every byte on the wire but the time stamp and the pseudonym (checked above), whose random
    // digits could hold a number like 231 by chance.
    const wire = watch.messages.map(({ ts: _ts, device: _device, ...rest }) => JSON.stringify(rest)).join('\n');
    expect(watch.texts.join('\n').length).toBeGreaterThan(0);
    for (const secret of ['S20235', '300', '"92"', 'jumped', 'fast', 'FT-GYM-1', 'FT,']) expect(wire).not.toContain(secret);
    for (const m of watch.messages) {
      expect(m.device).toBe(gw.pseudonymizer.pseudonym('FT-GYM-1'));
      expect(m.raw).toBeUndefined();
    }
    expect(gw.registry.get('FT-GYM-1')?.lastError).toBe('wrong_type: run_50m_s (column 4): wrong_type (expected a number)');
    await new Promise((r) => port.close(r));
    await watch.client.endAsync();
  }, T);
});
