import { describe, expect, it } from 'vitest';
import { createSchoolHours } from './school-hours.js';
import { createSessionOf } from './sessions.js';
import { createSiteZone, fixedOffsetZone, isTimeZone } from '../lib/zone.js';

const t = Date.parse;
const H = 3_600_000;

describe('site zone: Asia/Shanghai (+08:00, no DST)', () => {
  const z = createSiteZone('Asia/Shanghai');
  it('a 07:32 lesson is 07:32+08:00, on the local day that began at 16:00Z the evening before', () => {
    const ts = t('2026-12-04T23:32:00Z');
    expect(z.iso(ts)).toBe('2026-12-05T07:32:00.000+08:00');
    expect(z.startOfDay(ts)).toBe(t('2026-12-04T16:00:00Z'));
    expect(z.startOfDay(t('2026-12-04T15:59:59.999Z'))).toBe(t('2026-12-03T16:00:00Z'));
    expect(z.startOfHour(ts)).toBe(t('2026-12-04T23:00:00Z'));
    expect(z.parts(ts)).toEqual({ year: 2026, month: 12, day: 5, weekday: 6, msOfDay: (7 * 60 + 32) * 60_000 });
    expect(z.at(z.startOfDay(ts), 8 * H)).toBe(t('2026-12-05T00:00:00Z'));
  });
});

describe('site zone: Europe/Berlin (DST)', () => {
  const z = createSiteZone('Europe/Berlin');
  it('the spring day has 23 hours and the autumn day 25', () => {
    const spring = z.startOfDay(t('2026-03-29T12:00:00Z'));
    expect(spring).toBe(t('2026-03-28T23:00:00Z'));
    expect(z.startOfDay(spring + 24 * H + H) - spring).toBe(23 * H);
    const autumn = z.startOfDay(t('2026-10-25T12:00:00Z'));
    expect(autumn).toBe(t('2026-10-24T22:00:00Z'));
    expect(z.startOfDay(autumn + 24 * H + H) - autumn).toBe(25 * H);
  });
  it('local times carry the offset of their season; a skipped time maps past the jump; the repeated hour is two hours', () => {
    expect(z.iso(t('2026-07-01T06:00:00Z'))).toBe('2026-07-01T08:00:00.000+02:00');
    expect(z.iso(t('2026-01-15T06:00:00Z'))).toBe('2026-01-15T07:00:00.000+01:00');
    const spring = t('2026-03-28T23:00:00Z');
    expect(z.at(spring, 2.5 * H)).toBe(t('2026-03-29T01:30:00Z')); // 02:30 does not exist: 03:30 CEST
    expect(z.at(spring, 8 * H)).toBe(t('2026-03-29T06:00:00Z'));
    expect(z.startOfHour(t('2026-10-25T00:30:00Z'))).toBe(t('2026-10-25T00:00:00Z')); // 02:30 CEST
    expect(z.startOfHour(t('2026-10-25T01:30:00Z'))).toBe(t('2026-10-25T01:00:00Z')); // 02:30 CET
  });
  it('school hours follow the local clock on both sides of the change', () => {
    const hours = createSchoolHours({ start: '07:00', end: '18:00', days: [1] }, z);
    // Monday 30 March (CEST): open 05:00Z–16:00Z; Sunday 29 March is not a school day (23 h).
    const out = hours.outside(t('2026-03-28T23:00:00Z'), t('2026-03-30T22:00:00Z'));
    expect(out.map(([a, b]) => [new Date(a).toISOString(), new Date(b).toISOString()])).toEqual([
      ['2026-03-28T23:00:00.000Z', '2026-03-30T05:00:00.000Z'],
      ['2026-03-30T16:00:00.000Z', '2026-03-30T22:00:00.000Z'],
    ]);
  });
  it('a lesson period is local wall-clock time', () => {
    const sessionOf = createSessionOf(['08:00-08:45'], z);
    expect(sessionOf('r1', t('2026-03-30T06:10:00Z'))).toBe('r1@2026-03-30T06:00:00.000Z'); // 08:10 CEST
    expect(sessionOf('r1', t('2026-03-27T07:10:00Z'))).toBe('r1@2026-03-27T07:00:00.000Z'); // 08:10 CET
  });
});

describe('zone names', () => {
  it('knows IANA names and fixed offsets, and refuses others with a config error', () => {
    expect(isTimeZone('Asia/Shanghai')).toBe(true);
    expect(isTimeZone('Asia/Peking')).toBe(false);
    expect(isTimeZone('+05:30')).toBe(true);
    expect(isTimeZone('+25:00')).toBe(false);
    expect(isTimeZone('+05:07')).toBe(false);
    expect(() => createSiteZone('Mars/Olympus')).toThrow(/GW_ERR_CONFIG: site\.timezone: unknown time zone "Mars\/Olympus"/);
    expect(fixedOffsetZone(480)).toBe('Etc/GMT-8');
    expect(fixedOffsetZone(-540)).toBe('Etc/GMT+9');
    expect(fixedOffsetZone(0)).toBe('UTC');
    expect(fixedOffsetZone(330)).toBe('+05:30');
    expect(createSiteZone(fixedOffsetZone(330)).iso(t('2026-12-05T02:02:00Z'))).toBe('2026-12-05T07:32:00.000+05:30');
    expect(createSiteZone(fixedOffsetZone(480)).iso(t('2026-12-04T23:32:00Z'))).toBe('2026-12-05T07:32:00.000+08:00');
  });
});
