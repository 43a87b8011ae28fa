import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveStatePaths } from '../config/paths.js';
import { configSchema } from '../config/schema.js';
import { silentLogger } from '../log.js';
import { TEST_TEMPLATES as T } from '../../test/fixtures/templates.js';
import type { UplinkMessage } from '../summaries/types.js';
import { createUplinkGuard } from '../privacy/guard.js';
import { createOutboundNames } from '../privacy/outbound-names.js';
import { createPseudonymizer } from '../privacy/pseudonymizer.js';
import { createSummaries } from '../summaries/engine.js';
import { outboxValues, siteFacts, summariesOptionsFrom, uplinkOptionsFrom } from './school-uplink.js';
import { createUplink } from './uplink.js';

describe('the school outbound options', () => {
  it('takes its options from the config sections uplink, privacy and site', () => {
    const config = configSchema.parse({ site: { id: 'school-9' }, uplink: { url: 'mqtt://hub:1883', utcOffsetMinutes: 480, lessonPeriods: ['08:00-08:45'] }, privacy: { minGroupSize: 6 } });
    expect(summariesOptionsFrom(config, { summariesState: '/var/lib/cg/summaries-state.bin' })).toEqual({
      site: 'school-9', minGroupSize: 6, windowSeconds: 60, graceSeconds: 30, offlineAlarmSeconds: 600, timeZone: 'Etc/GMT-8',
      schoolHours: { start: '07:00', end: '18:00', days: [1, 2, 3, 4, 5] }, lessonPeriods: ['08:00-08:45'], statePath: '/var/lib/cg/summaries-state.bin',
    });
    expect(summariesOptionsFrom(configSchema.parse({}), { summariesState: '/var/lib/cg/summaries-state.bin' })).toEqual({ site: 'demo-school', minGroupSize: 5, timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone });
  });

  it('maps the uplink section and its outbox path; none without an uplink section', () => {
    const config = configSchema.parse({ site: { id: 'school-9' }, uplink: { url: 'mqtts://hub:8883', username: 'school-9', password: 'pw', ackTimeoutSeconds: 12 } });
    expect(uplinkOptionsFrom(config, { uplinkOutbox: '/var/lib/cg/outbox.db' })).toMatchObject({
      site: 'school-9', url: 'mqtts://hub:8883', username: 'school-9', password: 'pw', outboxPath: '/var/lib/cg/outbox.db', ackTimeoutMs: 12_000,
    });
    expect(uplinkOptionsFrom(configSchema.parse({}), { uplinkOutbox: '/x' })).toBeUndefined();
  });

  it('as gateway.ts wires them without an uplink: de-identifies and hands alarms on, and the guard passes them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'school-'));
    const config = configSchema.parse({ privacy: { pseudonymKeyFile: join(dir, 'k', 'pseudonym.key') } });
    const log = silentLogger();
    const pseudonymizer = createPseudonymizer({ keyFile: resolveStatePaths(config).pseudonymKeyFile }, { log });
    const names = createOutboundNames({ site: config.site.id }, { templates: () => Object.values(T), devices: () => [], pseudonym: (v) => pseudonymizer.pseudonym(v) });
    const guard = createUplinkGuard({ names }, { log });
    const seen: UplinkMessage[] = [];
    const summaries = createSummaries(summariesOptionsFrom(config, resolveStatePaths(config)), { log, names, emit: (m) => seen.push(m) });
    await pseudonymizer.start();
    await summaries.start();
    const [r] = pseudonymizer.deidentify([{ template: 'door-access', device: 'd1', ts: Date.now(), fields: { card: 'S2023001' }, tags: {} }], T.door);
    expect(r!.fields.card).toMatch(/^p-[0-9a-f]{24}$/);
    summaries.ingest([{ template: 'door-access', device: 'd1', ts: Date.now(), fields: { door: 'forced' }, tags: {} }], T.door);
    expect(seen.map((m) => m.kind)).toEqual(['alarm']);
    // d1 is not in the config: the alarm names it by its pseudonym, and passes the guard as it is.
    expect(seen[0]).toMatchObject({ device: pseudonymizer.pseudonym('d1'), alarm: 'door', value: 'forced' });
    expect(guard.check(seen[0])).toEqual({ ok: true });
    expect(guard.check({ note: 'S2023001' })).toMatchObject({ ok: false });
    await summaries.stop();
    await pseudonymizer.stop();
  });
});

describe('the outbox depth in device-health', () => {
  it('every device-health window summary carries outbox_queued and outbox_oldest_s while the hub is out of reach, and the site\'s students and floor area', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'school-'));
    // Port 1 refuses: every message stays in the outbox.
    const config = configSchema.parse({ site: { id: 'school-7', students: 1850, floorArea_m2: 24000 }, uplink: { url: 'mqtt://127.0.0.1:1' }, privacy: { pseudonymKeyFile: join(dir, 'pseudonym.key') } });
    const t0 = Date.parse('2026-03-02T08:00:00Z');
    const clock = { t: t0, now: () => clock.t };
    const seen: UplinkMessage[] = [];
    const log = silentLogger();
    // As gateway.ts wires them: the uplink (its outbox) and the summaries that read its depth.
    const names = createOutboundNames({ site: config.site.id }, { templates: () => Object.values(T), devices: () => [], pseudonym: (v) => `p-${v}` });
    const guard = createUplinkGuard({ names }, { log });
    const uplink = createUplink(uplinkOptionsFrom(config, { uplinkOutbox: join(dir, 'outbox.db') })!, { log, guard });
    const summaries = createSummaries(summariesOptionsFrom(config, { summariesState: join(dir, 'state.bin') }), {
      log, names, clock,
      emit: (m) => { seen.push(m); uplink.send(m); },
      healthValues: () => ({ ...siteFacts(config), ...outboxValues(uplink) }),
    });
    const school = {
      summaries, guard,
      async start() { await uplink.start(); await summaries.start(); },
      async stop() { await summaries.stop(); await uplink.stop(); },
    };
    await school.start();
    try {
      school.summaries.ingest([{ template: 'door-access', device: 'd1', ts: t0 + 1000, fields: { door: 'forced' }, tags: {} }], T.door);
      school.summaries.deviceStatus('d1', 'door-access', 'online', t0);
      clock.t = t0 + 91_000;
      school.summaries.tick();
      const health = seen.find((m) => m.kind === 'device-health');
      // The alarm waits in the outbox when the window closes.
      expect(health).toMatchObject({ resolution: 'window', values: { devices_online: 1, outbox_queued: 1, students: 1850, floor_area_m2: 24000 } });
      expect((health as { values: Record<string, number> }).values.outbox_oldest_s).toBeGreaterThanOrEqual(0);
      // The privacy guard lets these site values leave the school.
      expect(school.guard.check(health)).toEqual({ ok: true });
    } finally {
      await school.stop();
    }
  });
});
