import { describe, expect, it } from 'vitest';
import { parseRosterText, rosterProblemText, ROSTER_SEPARATORS } from './roster-text.js';
import { previewRosterText } from './roster-preview.js';
import type { TemplateLike } from '../privacy/template-like.js';
import type { RosterLookup } from './roster.js';

describe('parseRosterText', () => {
  it.each(ROSTER_SEPARATORS.map((sep) => [JSON.stringify(sep), sep] as const))('splits device and student on %s', (_name, sep) => {
    const { lines, problems } = parseRosterText(`P-A103-1-04${sep}张伟\nW-2231 ${sep} Alice Wang`);
    expect(problems).toEqual([]);
    expect(lines).toEqual([{ line: 1, device: 'P-A103-1-04', student: '张伟' }, { line: 2, device: 'W-2231', student: 'Alice Wang' }]);
  });

  it('reads the line of issue #19 typed with a full-width comma', () => {
    expect(parseRosterText('P-A103-1-04，张伟').lines).toEqual([{ line: 1, device: 'P-A103-1-04', student: '张伟' }]);
  });

  it('trims full-width spaces, a byte-order mark, CRLF and CSV quotes', () => {
    const { lines } = parseRosterText('\uFEFF\u3000P-1\u3000，\u3000欧阳 娜娜\u3000\r\n"P-2","Chen, Bob"\r\n');
    expect(lines).toEqual([{ line: 1, device: 'P-1', student: '欧阳 娜娜' }, { line: 2, device: 'P-2', student: 'Chen, Bob' }]);
  });

  it('keeps the typed line numbers across blank lines, comments and a header', () => {
    const { lines, problems } = parseRosterText('设备,学生\n\n# 七年级二班\nP-1、李娜\n\u3000\nC-9；王芳');
    expect(problems).toEqual([]);
    expect(lines.map((l) => [l.line, l.device, l.student])).toEqual([[4, 'P-1', '李娜'], [6, 'C-9', '王芳']]);
  });

  it.each(['device,student', 'Device\tStudent', '设备号，姓名', 'device id; name'])('skips the header line %j', (header) => {
    expect(parseRosterText(`${header}\nP-1,Li`).lines).toEqual([{ line: 2, device: 'P-1', student: 'Li' }]);
  });

  it('reads a header-like line after the first as a roster line', () => {
    expect(parseRosterText('P-1,Li\ndevice,student').lines).toHaveLength(2);
  });

  it('names each line it cannot read, 1-based, with a reason in plain words', () => {
    const text = 'P-1,Li\n\nP-A103-1-04，\n，张伟\nP-9 张伟\n' + `P-2,${'x'.repeat(201)}`;
    const { lines, problems } = parseRosterText(text);
    expect(lines).toHaveLength(1);
    expect(problems).toEqual([{ line: 3, reason: 'no_student' }, { line: 4, reason: 'no_device' }, { line: 5, reason: 'no_separator' }, { line: 6, reason: 'too_long' }]);
    expect(rosterProblemText(problems[0]!, 'P-A103-1-04，')).toBe('line 3: "P-A103-1-04，" has no student name after the separator');
    // Without the typed text (an error that may be logged), only the line is named.
    expect(rosterProblemText(problems[2]!)).toBe('line 5: has no separator between device and student (use a tab, comma, "，", "、" or ";")');
  });

  it('refuses lines past the 500 a roster may hold', () => {
    const text = Array.from({ length: 501 }, (_, i) => `P-${i}\t学生${i}`).join('\n');
    const { lines, problems } = parseRosterText(text);
    expect(lines).toHaveLength(500);
    expect(problems).toEqual([{ line: 501, reason: 'too_many_lines' }]);
  });
});

describe('previewRosterText', () => {
  const devices: Record<string, { template: string; provisioned: boolean; person?: string }> = {
    'P-1': { template: 'smart-pen', provisioned: true, person: 'S-1' },
    'P-2': { template: 'smart-pen', provisioned: true, person: 'S-2' },
    'W-1': { template: 'student-wristband', provisioned: true, person: 'S-1' },
    'RX-1': { template: 'smart-pen', provisioned: true },
    'SEEN-1': { template: 'smart-pen', provisioned: false, person: 'S-3' },
  };
  const idTemplate: TemplateLike = { id: 'smart-pen', fields: [{ name: 'id', type: 'string', role: 'id', privacy: 'id' }] };
  const lookup: RosterLookup = { device: (id) => devices[id], template: () => idTemplate };

  it('flags each line with one status and never echoes a device the school did not register for a student', () => {
    const p = previewRosterText('P-1，张伟\nW-1，张伟\nP-9，李娜\nRX-1，李娜\nSEEN-1，李娜\nP-1，王芳\nP-2，张伟\nP-3', lookup, new Set());
    expect(p.lines.map((l) => [l.line, l.status, l.device])).toEqual([
      [1, 'ok', 'P-1'], [2, 'ok', 'W-1'], [3, 'unknown_device', undefined], [4, 'unknown_device', undefined],
      [5, 'unknown_device', undefined], [6, 'duplicate_device', 'P-1'], [7, 'duplicate_student', 'P-2'],
    ]);
    expect(p.errors).toEqual([{ line: 8, reason: 'no_separator', message: 'line 8: "P-3" has no separator between device and student (use a tab, comma, "，", "、" or ";")' }]);
    expect(JSON.stringify(p.lines)).not.toMatch(/P-9|RX-1|SEEN-1/);
    expect(p.ok).toBe(false);
    expect(p.roster).toEqual([{ device: 'P-1', student: '张伟' }, { device: 'W-1', student: '张伟' }, { device: 'P-2', student: '张伟' }]);
  });

  it('flags a device another session holds then as in_use', () => {
    const p = previewRosterText('P-1\t张伟\nP-2\t李娜', lookup, new Set(['P-2']));
    expect(p.lines.map((l) => l.status)).toEqual(['ok', 'in_use']);
    expect(p.roster).toEqual([{ device: 'P-1', student: '张伟' }]);
  });

  it('is ok when every line is', () => {
    expect(previewRosterText('device,student\nP-1、张伟\nP-2；李娜', lookup, new Set()).ok).toBe(true);
  });
});
