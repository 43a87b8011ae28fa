import { describe, expect, it } from 'vitest';
import { localDay, overviewStatements } from './district-overview.js';
import { monthCsv, monthRange } from './http-district.js';

describe('district page helpers', () => {
  it('a month is local midnight to local midnight in the district\'s zone', () => {
    const r = monthRange('2026-03', 'Asia/Shanghai');
    expect(new Date(r.from).toISOString()).toBe('2026-02-28T16:00:00.000Z');
    expect(new Date(r.to).toISOString()).toBe('2026-03-31T16:00:00.000Z');
    expect(r.days).toHaveLength(31);
    expect(monthRange('2026-02', 'UTC').days.at(-1)).toBe('2026-02-28');
    // Across a DST change: the offsets of both ends.
    const ny = monthRange('2026-03', 'America/New_York');
    expect(new Date(ny.from).toISOString()).toBe('2026-03-01T05:00:00.000Z');
    expect(new Date(ny.to).toISOString()).toBe('2026-04-01T04:00:00.000Z');
    expect(localDay(Date.parse('2026-02-28T16:00:00Z'), 'Asia/Shanghai')).toBe('2026-03-01');
  });

  it('the CSV starts with a BOM, has a line per day and leaves days without data empty', () => {
    const csv = monthCsv(['2026-03-01', '2026-03-02'], { '2026-03-02': { energy_kwh: 12.5, left_on_min: 30, board_on_min: 90, co2_high_min: 4 } }, 'en');
    expect(csv.startsWith('\uFEFFdate,energy (kWh),')).toBe(true);
    expect(csv.split('\r\n').slice(1, 3)).toEqual(['2026-03-01,,,,', '2026-03-02,12.5,30,1.5,4']);
  });

  it('InfluxQL: values only as quoted literals, days in the district\'s zone', () => {
    const q = overviewStatements.daily('energy_kwh', 'summary_energy', 0, 1000, 'Asia/Shanghai', "a'b");
    expect(q).toContain(`"site" = 'a\\'b'`);
    expect(q).toContain("tz('Asia/Shanghai')");
    expect(q).toContain('GROUP BY time(1d), "site"');
  });
});
