import { describe, expect, it } from 'vitest';
import { createRootLogger } from '../log.js';
import { messageId } from '../summaries/message-id.js';
import { TEST_TEMPLATES as T } from '../../test/fixtures/templates.js';
import type { AlarmMessage, SummaryMessage } from '../summaries/types.js';
import { createUplinkGuard } from './guard.js';
import { createOutboundNames, type DeviceLike } from './outbound-names.js';

const DEVICES: DeviceLike[] = [
  { id: 'm1', template: 'energy-meter-1p', room: 'plant', building: 'B1', provisioned: true },
  { id: 'smoke-101', template: 'smoke-detector', room: '101', building: 'A', provisioned: true },
  { id: 'door-main', template: 'door-access', room: 'gate', building: 'A', provisioned: true },
  { id: 'gym-base', template: 'student-wristband', room: 'gym', building: 'S', provisioned: true },
];

function setup(devices = DEVICES) {
  const lines: Array<Record<string, unknown>> = [];
  const log = createRootLogger('debug', { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) });
  const names = createOutboundNames({ site: 'north-school' }, { templates: () => Object.values(T), devices: () => devices, pseudonym: (v) => `p-${'0'.repeat(20)}${v.length.toString(16).padStart(4, '0')}` });
  return { guard: createUplinkGuard({ names }, { log }), lines, names };
}

const summary = (kind: SummaryMessage['kind'], rows: SummaryMessage['rows'], values: Record<string, number> = { n: rows.length }): SummaryMessage => ({
  id: messageId(['north-school', kind, 'window', 0]), site: 'north-school', kind, resolution: 'window',
  windowStart: '2026-03-02T08:35:00.000Z', windowEnd: '2026-03-02T08:36:00.000Z', values, rows,
});

const alarm = (extra: Partial<AlarmMessage> = {}): AlarmMessage => ({
  id: messageId(['north-school', 'alarm', 'smoke-detector', 'smoke-101', 'alarm', 0, 'raised']), site: 'north-school', kind: 'alarm',
  template: 'smoke-detector', device: 'smoke-101', room: '101', building: 'A', alarm: 'alarm', value: true, state: 'raised',
  windowStart: '2026-03-02T08:35:00.000Z', windowEnd: '2026-03-02T08:35:00.000Z', ...extra,
});

describe('uplink guard: structure, not device values', () => {
  it('admits unchanged every summary kind and alarm built from config and template names', () => {
    const { guard } = setup();
    const messages = [
      summary('energy', [{ tags: { scope: 'meter', device: 'm1', template: 'energy-meter-1p', room: 'plant', building: 'B1' }, values: { energy_kwh: 0.8 } }, { tags: { scope: 'building', building: 'B1' }, values: { energy_kwh: 0.8 } }]),
      summary('lighting', [{ tags: { scope: 'room', room: 'unassigned' }, values: { lamp_on_h: 1 } }]),
      summary('device-health', [{ tags: { scope: 'template', template: 'smoke-detector' }, values: { online: 1 } }, { tags: { scope: 'rejected', template: 'unknown', reason: 'unknown_template' }, values: { count: 2 } }]),
      summary('pe-activity', [{ tags: { scope: 'session', session: 'gym@2026-03-02T08:00:00.000Z', room: 'gym' }, values: { students: 5 } }]),
      summary('writing-activity', [{ tags: { scope: 'session', session: '6f1c1f8e-1d0a-4f5e-9a55-0c1b2d3e4f50', room: 'gym' }, values: { active_pens: 5 } }]),
      alarm(),
      alarm({ template: 'door-access', device: 'door-main', room: 'gate', alarm: 'door', value: 'forced' }),
      alarm({ device: 'p-000000000000000000000009', alarm: 'offline', state: 'cleared', value: false }),
    ];
    for (const m of messages) {
      expect(guard.check(m)).toEqual({ ok: true });
      expect(guard.admit(m)).toEqual({ ok: true, message: m, refused: [] });
    }
    expect(guard.refused()).toEqual({ private_field: 0, unknown_name: 0, bad_shape: 0 });
  });

  it('leaves out of a summary the rows and values that are not config names, private fields or numbers, and sends the rest', () => {
    const { guard } = setup();
    const m = summary('usage', [
      { tags: { scope: 'room', room: 'A101' }, values: { board_on_min: 3 } }, // A101 is no configured room
      { tags: { scope: 'room', room: 'gate', card: 'S2023001' }, values: { board_on_min: 1 } }, // a tag no usage row has
      { tags: { scope: 'room', room: 'gate' }, values: { board_on_min: 2, heart_rate_bpm: 128, card: 1, bad: Number.NaN } },
    ], { board_on_min: 6, person: 1 });
    expect(guard.check(m)).toMatchObject({ ok: false });
    const a = guard.admit(m);
    expect(a).toMatchObject({ ok: true, message: { id: m.id, values: { board_on_min: 6 }, rows: [{ tags: { scope: 'room', room: 'gate' }, values: { board_on_min: 2 } }] } });
    expect(a.refused.map((r) => `${r.reason} ${r.path}`)).toEqual([
      'unknown_name $.rows[0].tags.room', 'bad_shape $.rows[1].tags', 'private_field $.rows[2].values.<key>', 'private_field $.rows[2].values.<key>',
      'bad_shape $.rows[2].values.bad', 'private_field $.values.<key>',
    ]);
    expect(guard.check(a.ok ? a.message : undefined)).toEqual({ ok: true });
  });

  it('refuses whole only a summary whose envelope is not the gateway\'s (id, site, kind, window)', () => {
    const { guard } = setup();
    expect(guard.admit({ ...summary('usage', []), id: 'S2023001' })).toMatchObject({ ok: false, refused: [{ reason: 'bad_shape', path: '$.id' }] });
    expect(guard.admit({ ...summary('usage', []), site: 'other' })).toMatchObject({ ok: false });
    expect(guard.admit({ ...summary('usage', []), windowStart: 'S2023001' })).toMatchObject({ ok: false });
    expect(guard.admit('S2023001')).toMatchObject({ ok: false });
  });

  it('never drops an alarm: what is refused is replaced by what the gateway controls, or left out', () => {
    const { guard } = setup();
    const hostile = { ...alarm({ device: 'S2023001', room: 'S2023001', building: 'B9', alarm: 'card', value: 'S2023001' }), card: 'S2023001' };
    const a = guard.admit(hostile);
    expect(a.ok).toBe(true);
    if (!a.ok) return;
    expect(a.message).toEqual({
      id: hostile.id, site: 'north-school', kind: 'alarm', template: 'smoke-detector', device: 'p-000000000000000000000008',
      alarm: 'unknown', value: true, state: 'raised', windowStart: hostile.windowStart, windowEnd: hostile.windowEnd,
    });
    expect(JSON.stringify(a.message)).not.toContain('S2023001');
    expect(a.refused.map((r) => r.path).sort()).toEqual(['$.alarm', '$.building', '$.card', '$.device', '$.room', '$.value']);
    expect(guard.check(a.message)).toEqual({ ok: true });
    // An enum alarm keeps only a declared value; an unknown template becomes `unknown`, still sent.
    const door = guard.admit(alarm({ template: 'door-access', device: 'door-main', alarm: 'door', value: 'S2023001' }));
    expect(door).toMatchObject({ ok: true, message: { alarm: 'door', value: true } });
    expect(guard.admit(alarm({ template: 'S2023001' }))).toMatchObject({ ok: true, message: { template: 'unknown', alarm: 'unknown', device: 'smoke-101' } });
  });

  it('logs a refusal at warn once a minute per place, with the path and never the value, and counts every one', () => {
    const { guard, lines } = setup();
    for (let i = 0; i < 50; i++) guard.admit(alarm({ device: `S20230${i}` }));
    const warns = lines.filter((l) => l.level === 40);
    expect(warns).toHaveLength(1);
    expect(warns[0]).toMatchObject({ component: 'uplink-guard', kind: 'alarm', reason: 'unknown_name', path: '$.device' });
    expect(JSON.stringify(lines)).not.toContain('S20230');
    expect(lines.filter((l) => (l.level as number) >= 50)).toEqual([]);
    expect(guard.refused().unknown_name).toBe(50);
  });
});
