/**
 * Issue #16, item 2: a device could silence the uplink. The old guard refused any message that
 * contained, as a token, a value seen in an `id` field: a check-in whose card was the site id
 * stopped every message to the hub and a new smoke alarm was lost; card "35" dropped every
 * summary touching minute or second 35. Here devices send hostile identifier values through the
 * real gateway broker, and every alarm and every summary must still reach a real mosquitto hub
 * broker, in the shape the hub role accepts, with no clear identifier in it. A wristband going
 * offline leaves as its pseudonym and is logged at info, not as an error.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { hubMessageSchema } from '../../src/hub/points.js';
import { createRootLogger } from '../../src/log.js';
import { PSEUDONYM_PATTERN } from '../../src/privacy/index.js';
import type { AlarmMessage, UplinkMessage } from '../../src/summaries/index.js';
import { startMosquitto, testOutputDir, until, type MosquittoServer } from '../kit/index.js';

const SITE = 'north-school';
const SMOKE = Array.from({ length: 10 }, (_, i) => ({ id: `smoke-${i + 1}`, room: `${101 + i}` }));
/** Card values chosen to match what every outbound message carries: site, times, template, place, field and state names, ids. */
const HOSTILE = [SITE, '35', '000Z', '2026', 'smoke-detector', 'door-access', 'A', '101', 'gate', 'alarm', 'raised', 'cleared', 'true', 'offline',
  'smoke-1', 'door-main', 'socket-101', 'light-101', 'hub', 'summary', 'device-health', 'window', 'energy', 'scope', 'room', 'meter'];
const CARD = 'S2023001';
const BAND = 'W-2231';

let hubBroker: MosquittoServer;
let gw: Gateway;
let spy: MqttClient;
let dev: MqttClient;
let dir: string;
const received: Array<{ topic: string; payload: string }> = [];
const logLines: Array<Record<string, unknown>> = [];
const eventually = <T>(what: string, fn: () => T | undefined) => until(what, fn, 45_000, 100);
const messages = () => received.map((r) => JSON.parse(r.payload) as UplinkMessage);
const alarms = () => messages().filter((m): m is AlarmMessage => m.kind === 'alarm');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cg-sec-uplink-'));
  hubBroker = await startMosquitto();
  spy = await mqtt.connectAsync(hubBroker.url, { clientId: 'hub-spy' });
  spy.on('message', (topic, payload) => received.push({ topic, payload: payload.toString('utf8') }));
  await spy.subscribeAsync('hub/#', { qos: 1 });
  const log = createRootLogger('info', { write: (s: string) => logLines.push(JSON.parse(s) as Record<string, unknown>) });
  gw = createGateway(parseConfig({
      insecure: true,
    site: { id: SITE },
    broker: { port: 0, host: '127.0.0.1' },
    http: { port: 0, host: '127.0.0.1' },
    store: { kind: 'embedded', path: join(dir, 'store') },
    privacy: { pseudonymKeyFile: join(dir, 'pseudonym.key'), minGroupSize: 5 },
    uplink: {
      url: hubBroker.url, windowSeconds: 1, graceSeconds: 0, hubAck: false, offlineAlarmSeconds: 10,
      outboxPath: join(dir, 'outbox.db'), summariesStatePath: join(dir, 'summaries.bin'),
    },
    devices: [
      ...SMOKE.map((s) => ({ id: s.id, template: 'smoke-detector', room: s.room, building: 'A' })),
      { id: 'door-main', template: 'door-access', room: 'gate', building: 'A' },
      { id: 'sign-101', template: 'class-sign', room: '101', building: 'A' },
      { id: 'socket-101', template: 'smart-socket', room: '101', building: 'A' },
      { id: 'light-101', template: 'classroom-light', room: '101', building: 'A' },
      { id: BAND, template: 'student-wristband', room: 'gym', building: 'S' },
    ],
  }), { log });
  await gw.start();
  dev = await mqtt.connectAsync(`mqtt://127.0.0.1:${gw.ports().mqtt}`, { clientId: 'school-devices' });
}, 60_000);

afterAll(async () => {
  await dev?.endAsync();
  await gw?.stop();
  await spy?.endAsync();
  await hubBroker?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('hostile identifier values cannot silence the uplink (issue #16)', () => {
  it('every alarm and every summary reaches the hub broker, whatever cards the devices sent', async () => {
    const pub = (topic: string, body: unknown) => dev.publishAsync(topic, JSON.stringify(body), { qos: 1 });
    // A wristband that names itself by its band: a personal device.
    await pub(`campus/student-wristband/${BAND}/telemetry`, { band: BAND, hr: 120, steps: 10, spo2: 98, temp: 36.5, bat: 80 });
    await pub('campus/classroom-light/light-101/telemetry', { on: true, bri: 80, cct: 5000, lux: 500, pw: 36 });
    for (const [i, card] of [...HOSTILE, CARD].entries()) {
      await pub('campus/smart-socket/socket-101/telemetry', { relay: 1, p: 800, e: 100 + i * 0.01, v: 230 });
      await pub('campus/class-sign/sign-101/event', { evt: 'checkin', card });
      await pub('campus/door-access/door-main/event', { evt: 'access', card, granted: true });
    }
    // The wristband leaves the BLE range: offline, and an offline alarm after 10 s.
    await dev.publishAsync(`campus/student-wristband/${BAND}/status`, 'offline', { qos: 1, retain: true });
    for (const s of SMOKE) await pub(`campus/smoke-detector/${s.id}/telemetry`, { alarm: true, smoke: 3.5, bat: 90, tamper: false });
    await pub('campus/door-access/door-main/telemetry', { door: 'forced' });
    for (const s of SMOKE) await pub(`campus/smoke-detector/${s.id}/telemetry`, { alarm: false, smoke: 0.1, bat: 90, tamper: false });
    await pub('campus/door-access/door-main/telemetry', { door: 'closed' });

    // N/N alarms: raised and cleared for every detector, the forced door, and the wristband offline.
    const expected = SMOKE.length * 2 + 2 + 1;
    const got = await eventually(`${expected} alarms at the hub`, () => (alarms().length >= expected ? alarms() : undefined)).catch((err: Error) => {
      throw new Error(`${err.message}: got ${alarms().length}; uplink ${JSON.stringify(gw.health().uplink)}`);
    });
    for (const s of SMOKE) {
      for (const [state, value] of [['raised', true], ['cleared', false]] as const) {
        expect(got.filter((a) => a.device === s.id && a.state === state), `${s.id} ${state}`).toEqual([expect.objectContaining({
          site: SITE, template: 'smoke-detector', room: s.room, building: 'A', alarm: 'alarm', value,
        })]);
      }
    }
    expect(got.filter((a) => a.device === 'door-main').map((a) => [a.alarm, a.value, a.room, a.state])).toEqual([['door', 'forced', 'gate', 'raised'], ['door', 'closed', 'gate', 'cleared']]);
    // The wristband's offline alarm carries its pseudonym, never its band id.
    const offline = got.filter((a) => a.alarm === 'offline');
    expect(offline).toEqual([expect.objectContaining({ template: 'student-wristband', room: 'gym', state: 'raised', value: true })]);
    expect(offline[0]!.device).toMatch(PSEUDONYM_PATTERN);
    expect(offline[0]!.device).toBe(gw.pseudonymizer.pseudonym(BAND));

    // N/N summaries: stop closing windows, let the outbox drain, then every id emitted is at the hub.
    await gw.school.summaries.stop();
    const emitted = Object.values(gw.school.summaries.stats().emitted).reduce((a, b) => a + b, 0);
    await eventually('the outbox to drain', () => (gw.school.uplink!.health().queued === 0 ? true : undefined));
    const ids = await eventually(`${emitted} distinct messages at the hub`, () => {
      const set = new Set(messages().map((m) => m.id));
      return set.size >= emitted ? set : undefined;
    });
    expect(ids.size).toBe(emitted);
    const summaries = messages().filter((m) => m.kind !== 'alarm');
    expect(new Set(summaries.map((m) => m.id)).size).toBe(emitted - expected);
    expect(new Set(summaries.map((m) => m.kind))).toEqual(new Set(['device-health', 'pe-activity', 'energy', 'lighting']));
    const meterRows = summaries.flatMap((m) => (m.kind === 'energy' ? m.rows.filter((r) => r.tags.scope === 'meter') : []));
    expect(meterRows.length).toBeGreaterThan(0);
    for (const r of meterRows) expect(r.tags).toEqual({ scope: 'meter', device: 'socket-101', template: 'smart-socket', room: '101', building: 'A' });
    // Nothing had to be left out: every message was built from names the gateway controls.
    expect(gw.health().uplink).toMatchObject({ refused: 0, dropped: 0, refusedByReason: { private_field: 0, unknown_name: 0, bad_shape: 0 } });

    // Each message is one the hub role accepts, on its topic, and carries no clear identifier.
    for (const r of received) {
      const m = hubMessageSchema.parse(JSON.parse(r.payload));
      expect(r.topic).toBe(m.kind === 'alarm' ? `hub/${SITE}/alarm/${m.template}` : `hub/${SITE}/summary/${m.kind}`);
    }
    const wire = received.map((r) => `${r.topic}\n${r.payload}`).join('\n');
    expect(wire).not.toContain(CARD);
    expect(wire).not.toContain(BAND);

    // Logs: the wristband going offline is info, not an error; no log line names the card or the band.
    expect(logLines.filter((l) => (l.level as number) >= 50)).toEqual([]);
    expect(logLines.find((l) => l.msg === 'device offline alarm')).toMatchObject({ level: 30, template: 'student-wristband', device: offline[0]!.device });
    const logs = JSON.stringify(logLines);
    expect(logs).not.toContain(CARD);
    expect(logs).not.toContain(BAND);
    writeFileSync(join(testOutputDir('security-uplink'), 'outcome.json'), `${JSON.stringify({
      hostileCards: HOSTILE.length + 1, alarmsExpected: expected, alarmsAtHub: got.length, emitted, distinctAtHub: ids.size, uplink: gw.health().uplink,
    }, null, 2)}\n`);
  }, 120_000);
});
