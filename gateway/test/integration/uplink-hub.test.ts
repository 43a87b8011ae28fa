// Issue #7 end to end: a simulated school → de-identification → summaries → durable
// uplink → real mosquitto as the hub broker → hub role → real influxd as the district
// store. Also: a hub broker outage with a gateway crash during it, and a byte scan of
// everything sent uplink for the students' clear identifiers.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { createHub, parseHubConfig, type Hub } from '../../src/hub/index.js';
import { createOutboundNames, createPseudonymizer, createUplinkGuard, PSEUDONYM_PATTERN, type Pseudonymizer, type UplinkGuard } from '../../src/privacy/index.js';
import { createSummaries, type Summaries, type SummaryMessage, type UplinkMessage } from '../../src/summaries/index.js';
import { createTemplateCatalog, type TemplateCatalog } from '../../src/templates/index.js';
import { createUplink, type Uplink } from '../../src/uplink/index.js';
import { simulatedSchool } from '../../src/uplink/simulated-school.js';
import { repoRoot, startInflux, startMosquitto, testOutputDir, type InfluxServer, type MosquittoServer } from '../kit/index.js';

const T0 = Date.parse('2026-03-02T08:00:00Z');
const OUTAGE_S = Number(process.env.UPLINK_OUTAGE_SECONDS ?? 15);
const log = silentLogger();

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

let broker: MosquittoServer;
let influx: InfluxServer;
let hub: Hub;
let templates: TemplateCatalog;
let sniffer: MqttClient;
const wire: Array<{ topic: string; payload: string }> = [];

/** The gateway side of one school: pseudonymizer → summaries (manual clock) → uplink. */
async function startSchool(site: string, outboxPath = join(mkdtempSync(join(tmpdir(), 'uplink-')), 'outbox.db')) {
  const pseudo: Pseudonymizer = createPseudonymizer({ keyFile: join(mkdtempSync(join(tmpdir(), 'key-')), 'pseudonym.key') }, { log });
  await pseudo.start();
  const school = simulatedSchool(T0);
  const names = createOutboundNames({ site }, { templates: () => templates.list(), devices: () => school.devices(), pseudonym: (v) => pseudo.pseudonym(v) });
  const guard: UplinkGuard = createUplinkGuard({ names }, { log });
  const clock = { t: T0, now: () => clock.t };
  const emitted: UplinkMessage[] = [];
  const rig = {
    site,
    pseudo,
    guard,
    emitted,
    outboxPath,
    uplink: undefined as unknown as Uplink,
    async startUplink() {
      rig.uplink = createUplink({ site, url: broker.url, outboxPath, backoff: { initialMs: 100, maxMs: 1000 }, clientId: `gw-${site}`, ackTimeoutMs: 2000 }, { log, guard });
      await rig.uplink.start();
    },
    summaries: undefined as unknown as Summaries,
    school,
    /** Feeds minutes [from, to) and closes their windows. */
    feed(from: number, to: number) {
      for (let m = from; m < to; m++) {
        if (m === 0) for (const s of rig.school.statuses) rig.summaries.deviceStatus(s.device, s.template, s.status, s.at);
        for (const b of rig.school.minute(m)) {
          const template = templates.get(b.template);
          if (template === undefined) throw new Error(`no template ${b.template}`);
          rig.summaries.ingest(pseudo.deidentify(b.readings, template), template);
        }
        if (m === 1) rig.summaries.rejected('smart-board', 'out_of_range');
        clock.t = T0 + (m + 1) * 60_000 + 31_000;
        rig.summaries.tick();
      }
    },
  };
  rig.summaries = createSummaries({ site, windowSeconds: 60, graceSeconds: 30, minGroupSize: 5 }, {
    log, clock, names, emit: (m) => {
      emitted.push(m);
      rig.uplink.send(m);
    },
  });
  await rig.startUplink();
  return rig;
}

/** A hub process; `sharedGroup` null = plain subscriptions (the default). */
async function startHub(sharedGroup: string | null, topicPrefix = 'hub'): Promise<Hub> {
  const h = createHub(parseHubConfig({
    broker: { url: broker.url, clientId: `district-hub-${topicPrefix}-${sharedGroup ?? 'plain'}`, sharedGroup, topicPrefix },
    influx: { url: influx.url, database: 'district' },
    dedup: { path: join(mkdtempSync(join(tmpdir(), 'hub-')), 'dedup.db') },
  }), { log });
  await h.start();
  return h;
}

async function storedIds(site: string): Promise<Set<string>> {
  const res = await influx.query(`SELECT msg_id FROM /^summary_/ WHERE site='${site}' AND scope='site'; SELECT msg_id FROM alarm WHERE site='${site}'`, 'district');
  const ids = new Set<string>();
  for (const st of res.results) for (const s of st.series ?? []) for (const v of s.values) ids.add(String(v[1]));
  return ids;
}

beforeAll(async () => {
  // The hub broker keeps sessions across its own restart (as edge/hub/mosquitto.conf does).
  [broker, influx] = await Promise.all([startMosquitto({ configExtra: 'persistence true\nautosave_interval 5' }), startInflux()]);
  templates = createTemplateCatalog({}, { log });
  await templates.start();
  hub = await startHub('campus-hub');
  sniffer = mqtt.connect(broker.url, { clientId: 'wire-sniffer', reconnectPeriod: 500, clean: true });
  sniffer.on('message', (topic, payload) => wire.push({ topic, payload: payload.toString('utf8') }));
  sniffer.on('connect', () => sniffer.subscribe('#', { qos: 1 }));
  await waitFor('sniffer connected', () => sniffer.connected);
  await new Promise((r) => setTimeout(r, 200));
});

afterAll(async () => {
  await sniffer?.endAsync();
  await hub?.stop();
  await templates?.stop();
  await Promise.all([broker?.stop(), influx?.stop()]);
});

describe('uplink to the school hub', () => {
  it('delivers every summary kind and alarm of a simulated school to the district InfluxDB through a shared subscription, with no clear identifier on the wire', async () => {
    const rig = await startSchool('school-1');
    rig.feed(0, 61); // 08:00–09:01: 61 one-minute windows and the 08:00–09:00 roll-up
    const sent = new Set(rig.emitted.map((m) => m.id));
    await waitFor('the hub to store every message', async () => (await storedIds('school-1')).size === sent.size, 60_000);
    expect(await storedIds('school-1')).toEqual(sent);
    await waitFor('the hub acknowledgements to empty the outbox', () => rig.uplink.health().queued === 0);
    expect(rig.uplink.health()).toMatchObject({ queued: 0, refused: 0, dropped: 0, sent: sent.size });
    expect(hub.stats()).toMatchObject({ shared: true, invalid: 0 });

    // Every kind arrived, as windows and as the hourly roll-up.
    const kinds = ['energy', 'lighting', 'usage', 'environment', 'device-health', 'pe-activity', 'writing-activity'];
    const onWire = wire.filter((w) => w.topic.startsWith('hub/school-1/')).map((w) => ({ topic: w.topic, msg: JSON.parse(w.payload) as UplinkMessage }));
    for (const kind of kinds) {
      expect(onWire.filter((w) => w.topic === `hub/school-1/summary/${kind}` && w.msg.kind === kind && (w.msg as SummaryMessage).resolution === 'hour')).toHaveLength(1);
    }
    // Exact figures, read back from the district store: 6 × 0.05 kWh a minute, 5 increments in the first.
    const energy = await influx.query(`SELECT energy_kwh, meters FROM summary_energy WHERE site='school-1' AND scope='site' AND resolution='hour'`, 'district');
    expect(energy.results[0]!.series![0]!.values).toEqual([['2026-03-02T08:00:00Z', 17.95, 3]]);
    const lighting = await influx.query(`SELECT left_on_min, lamp_on_h FROM summary_lighting WHERE site='school-1' AND room='A102' AND resolution='hour'`, 'district');
    expect(lighting.results[0]!.series![0]!.values).toEqual([['2026-03-02T08:00:00Z', 60, 1]]);
    const pe = await influx.query(`SELECT students, mvpa_min_mean FROM summary_pe_activity WHERE site='school-1' AND scope='session' AND resolution='hour'`, 'district');
    expect(pe.results[0]!.series![0]!.values[0]!.slice(1, 2)).toEqual([6]);
    const alarms = await influx.query(`SELECT raised, value FROM alarm WHERE site='school-1' GROUP BY template, alarm`, 'district');
    const byKey = Object.fromEntries(alarms.results[0]!.series!.map((s) => [`${s.tags!.template}/${s.tags!.alarm}`, s.values.map((v) => [v[0], v[1], v[2]])]));
    expect(byKey).toEqual({
      'smoke-detector/alarm': [['2026-03-02T08:02:00Z', true, 'true'], ['2026-03-02T08:03:00Z', false, 'false']],
      'door-access/door': [['2026-03-02T08:03:00Z', true, 'forced'], ['2026-03-02T08:04:00Z', false, 'closed']],
      'lab-fume-hood/low_velocity': [['2026-03-02T08:01:00Z', true, 'true'], ['2026-03-02T08:02:00Z', false, 'false']],
      'water-leak-sensor/offline': [['2026-03-02T08:10:05Z', true, 'true']],
    });

    // The guard leaves out a row that carries anything but config names (here a student's card); it is counted, the rest is sent.
    const leak = { ...rig.emitted.find((m) => m.kind === 'usage')!, id: randomUUID(), rows: [{ tags: { scope: 'room', room: 'A101', note: 'S2023001' }, values: { x: 1 } }] } as UplinkMessage;
    expect(rig.uplink.send(leak)).toBe(true);
    expect(rig.guard.refused()).toEqual({ private_field: 0, unknown_name: 0, bad_shape: 1 });
    await waitFor('the trimmed message on the wire', () => wire.some((w) => w.payload.includes(leak.id)));
    expect(JSON.parse(wire.find((w) => w.payload.includes(leak.id))!.payload)).toMatchObject({ id: leak.id, rows: [] });

    // A scan of every byte sent uplink: no clear identifier, and no pseudonym either.
    const bytes = wire.map((w) => `${w.topic}\n${w.payload}`).join('\n');
    for (const id of rig.school.identifiers) expect(bytes.includes(id), `clear identifier ${id} on the wire`).toBe(false);
    expect(bytes).not.toMatch(/p-[0-9a-f]{24}/);
    expect(rig.school.identifiers.map((id) => rig.pseudo.pseudonym(id)).every((p) => PSEUDONYM_PATTERN.test(p))).toBe(true);
    expect(bytes.length).toBeGreaterThan(10_000);

    // Samples of each kind as they arrived at the hub, for the issue note.
    const samples: Record<string, unknown> = {};
    for (const w of onWire) {
      const key = w.msg.kind === 'alarm' ? `alarm:${w.msg.template}` : `${w.msg.kind}:${w.msg.resolution}`;
      if (w.msg.kind === 'alarm' || w.msg.resolution === 'hour' || !(key in samples)) samples[key] ??= { topic: w.topic, payload: w.msg };
    }
    writeFileSync(join(testOutputDir('uplink'), 'samples.json'), `${JSON.stringify(samples, null, 2)}\n`);
    await rig.uplink.stop();
  }, 120_000);

  it(`delivers every summary exactly once across a ${OUTAGE_S} s hub broker outage (which also loses the shared subscription), a gateway restart and a gateway crash during it`, async () => {
    const rig = await startSchool('school-2');
    rig.feed(0, 5);
    await waitFor('the first five minutes at the hub', async () => (await storedIds('school-2')).size === rig.emitted.length);
    const before = hub.stats();
    const storedBefore = rig.emitted.length;

    await broker.stop();
    const outageStart = Date.now();
    rig.feed(5, 10); // summaries and alarms queue in the outbox
    await new Promise((r) => setTimeout(r, 1000));
    expect(rig.uplink.health()).toMatchObject({ connected: false });
    expect(rig.uplink.health().queued).toBeGreaterThan(0);
    // A graceful gateway restart during the outage: same outbox file.
    await rig.uplink.stop();
    await rig.startUplink();
    rig.feed(10, 12);

    // A gateway crash during the outage: a separate process queues 20 messages, then SIGKILL.
    const childOutbox = join(mkdtempSync(join(tmpdir(), 'uplink-child-')), 'outbox.db');
    const crashed: UplinkMessage[] = Array.from({ length: 20 }, (_, i) => ({
      ...rig.emitted.find((m) => m.kind === 'energy')!, id: randomUUID(), windowStart: new Date(T0 + 86_400_000 + i * 60_000).toISOString(),
    }) as UplinkMessage);
    const dir = testOutputDir('uplink');
    writeFileSync(join(dir, 'crash-messages.json'), JSON.stringify(crashed));
    writeFileSync(join(dir, 'crash-child.ts'), `
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { createUplink } from '../../gateway/src/uplink/index.js';
const [outbox, url, file] = process.argv.slice(2);
const uplink = createUplink({ site: 'school-2', url: url!, outboxPath: outbox!, backoff: { initialMs: 100, maxMs: 500 }, clientId: 'gw-crash' }, { log: pino({ level: 'silent' }), guard: { admit: (message) => ({ ok: true, message, refused: [] }) } });
await uplink.start();
for (const m of JSON.parse(readFileSync(file!, 'utf8'))) uplink.send(m);
process.stdout.write('queued ' + uplink.health().queued + '\\n');
setInterval(() => undefined, 1000);
`);
    const child = spawn(process.execPath, ['--import', 'tsx', join(dir, 'crash-child.ts'), childOutbox, broker.url, join(dir, 'crash-messages.json')], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
    const queued = await new Promise<string>((resolve) => child.stdout.on('data', (d: Buffer) => resolve(d.toString().trim())));
    expect(queued).toBe('queued 20');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));

    const rest = OUTAGE_S * 1000 - (Date.now() - outageStart);
    if (rest > 0) await new Promise((r) => setTimeout(r, rest));
    await broker.start();
    const recovered = createUplink({ site: 'school-2', url: broker.url, outboxPath: childOutbox, backoff: { initialMs: 100, maxMs: 1000 }, clientId: 'gw-crash', ackTimeoutMs: 2000 }, { log, guard: rig.guard });
    await recovered.start();

    const expected = new Set([...rig.emitted.map((m) => m.id), ...crashed.map((m) => m.id)]);
    await waitFor('every message at the hub after the outage', async () => (await storedIds('school-2')).size === expected.size, 60_000).catch(async (err: Error) => {
      const got = await storedIds('school-2');
      const missing = [...expected].filter((id) => !got.has(id));
      throw new Error(`${err.message}: ${missing.length} of ${expected.size} missing (${missing.slice(0, 5).join(', ')}); hub ${JSON.stringify(hub.stats())}; gateway ${JSON.stringify(rig.uplink.health())}; recovered ${JSON.stringify(recovered.health())}`);
    });
    expect(await storedIds('school-2')).toEqual(expected);
    const after = hub.stats();
    // Stored once each: the hub wrote exactly as many messages as there are ids; resends were dropped as duplicates.
    expect(after.stored - before.stored).toBe(expected.size - storedBefore);
    await waitFor('both outboxes empty', () => rig.uplink.health().queued === 0 && recovered.health().queued === 0);
    expect(rig.uplink.health()).toMatchObject({ queued: 0, dropped: 0 });
    writeFileSync(join(dir, 'outage.json'), `${JSON.stringify({ outageSeconds: OUTAGE_S, messages: expected.size, hub: after, gateway: rig.uplink.health(), recovered: recovered.health() }, null, 2)}\n`);
    await recovered.stop();
    await rig.uplink.stop();
  }, 180_000);

  it('keeps and resends what the hub has not acknowledged, e.g. published while no hub was subscribed', async () => {
    const names = createOutboundNames({ site: 'school-3' }, { templates: () => templates.list(), devices: () => [], pseudonym: (v) => v });
    const guard = createUplinkGuard({ names }, { log });
    const outboxPath = join(mkdtempSync(join(tmpdir(), 'uplink-')), 'outbox.db');
    const uplink = createUplink({ site: 'school-3', url: broker.url, outboxPath, topicPrefix: 'hub2', clientId: 'gw-school-3', ackTimeoutMs: 1000, backoff: { initialMs: 100, maxMs: 500 } }, { log, guard });
    await uplink.start();
    const messages: UplinkMessage[] = [0, 1, 2].map((i) => ({
      id: randomUUID(), site: 'school-3', kind: 'usage', resolution: 'window',
      windowStart: new Date(T0 + i * 60_000).toISOString(), windowEnd: new Date(T0 + (i + 1) * 60_000).toISOString(),
      values: { board_on_min: i }, rows: [],
    }));
    for (const m of messages) expect(uplink.send(m)).toBe(true);
    // Accepted by the broker (PUBACK) but nobody subscribes to hub2/…: the broker drops them.
    await waitFor('the broker to accept them', () => wire.filter((w) => w.topic.startsWith('hub2/school-3/summary/')).length === 3);
    expect(uplink.health()).toMatchObject({ queued: 3, sent: 0 });
    const hub2 = await startHub('district', 'hub2');
    await waitFor('the resend to reach the new hub', async () => (await storedIds('school-3')).size === 3, 20_000);
    await waitFor('the outbox to empty', () => uplink.health().queued === 0);
    expect(uplink.health().resends).toBeGreaterThanOrEqual(1);
    expect(hub2.stats()).toMatchObject({ stored: 3 });
    await uplink.stop();
    await hub2.stop();
  }, 60_000);
});
