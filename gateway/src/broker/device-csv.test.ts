import { describe, expect, it } from 'vitest';
import { devicesCsv, parseDevicesCsv, secretsCsv, type ImportRow } from './device-csv.js';

function rows(text: string): ImportRow[] {
  const r = parseDevicesCsv(text);
  if (!r.ok) throw new Error(r.problems.join('\n'));
  return r.rows;
}

function problems(text: string): string[] {
  const r = parseDevicesCsv(text);
  if (r.ok) throw new Error('expected problems');
  return r.problems;
}

describe('parseDevicesCsv', () => {
  it('reads the columns in any order, case-insensitive, trimmed, with a BOM and CRLF', () => {
    expect(rows('\uFEFFTemplate, ID ,room\r\nclassroom-light, L-101 ,101\r\n')).toEqual([
      { where: 'line 2', id: 'L-101', template: 'classroom-light', room: '101', building: undefined, person: undefined, secret: undefined },
    ]);
  });

  it('tells an absent column (undefined: leave as it is) from an empty cell ("": clear)', () => {
    const [r] = rows('id,template,building,secret\nm1,energy-meter-1p,,\n');
    expect(r).toMatchObject({ building: '', secret: '', room: undefined, person: undefined });
  });

  it('takes RFC 4180 quoting: commas, doubled quotes, line breaks; and names the line a row starts on', () => {
    const r = rows('id,template,room\n\np1,smart-pen,"Lab, ""north"""\np2,smart-pen,"two\nlines"\np3,smart-pen,x\n');
    expect(r.map((x) => [x.where, x.room])).toEqual([['line 3', 'Lab, "north"'], ['line 4', 'two\nlines'], ['line 6', 'x']]);
  });

  it('names the line of a CSV syntax error, without quoting its text', () => {
    const p = problems('id,template\nok-1,classroom-light\nsecret-ish,"unclosed\n');
    expect(p).toEqual(['line 3: a quoted cell is never closed']);
    expect(problems('id,template\na,b"c"d\n')[0]).toMatch(/^line 2: a quote inside an unquoted cell/);
  });

  it('refuses a bad header: unknown, doubled or missing columns, no header at all', () => {
    expect(problems('id,template,colour\n')).toEqual(['line 1: unknown column "colour" (columns: id, template, building, room, person, secret)']);
    expect(problems('id,id,template\n')).toEqual(['line 1: column "id" twice']);
    expect(problems('L-101,classroom-light\n')).toEqual(expect.arrayContaining([expect.stringContaining('line 1: no "id" column')]));
    expect(problems('')).toEqual([expect.stringContaining('the file is empty')]);
    expect(problems('id,template\n')).toEqual(['the file lists no device (only the header line)']);
  });

  it('names every line whose cell count differs from the header', () => {
    expect(problems('id,template,room\na,b,c\nd,e\nf,g,h,i\n')).toEqual(['line 3: 2 cells, the header has 3', 'line 4: 4 cells, the header has 3']);
  });

  it('refuses text that is not UTF-8 (a GBK file decoded as UTF-8)', () => {
    const gbk = Buffer.from([0x69, 0x64, 0x2c, 0x74, 0x65, 0x6d, 0x70, 0x6c, 0x61, 0x74, 0x65, 0x2c, 0x70, 0x65, 0x72, 0x73, 0x6f, 0x6e, 0x0a, 0x70, 0x31, 0x2c, 0x73, 0x6d, 0x61, 0x72, 0x74, 0x2d, 0x70, 0x65, 0x6e, 0x2c, 0xd5, 0xc5, 0xc8, 0xfd, 0x0a]);
    expect(problems(gbk.toString('utf8'))[0]).toMatch(/not UTF-8/);
  });
});

describe('devicesCsv', () => {
  const devices = [
    { id: 'band-7', template: 'student-wristband', building: 'A', room: '=HYPERLINK("x")', person: '张三, 3班' },
    { id: 'm1', template: 'energy-meter-1p', room: '-1F', person: undefined },
    { id: 'm2', template: 'energy-meter-1p', building: "'=looks neutralized", room: '＋86' },
  ];

  it('writes formula text with a leading quote and reads it back unchanged', () => {
    const text = devicesCsv(devices);
    expect(text.split('\r\n')[0]).toBe('id,template,building,room,person');
    expect(text).toContain(`'=HYPERLINK`);
    expect(text).toContain(`'-1F`);
    const back = rows(text);
    expect(back.map(({ id, template, building, room, person }) => ({ id, template, building, room, person }))).toEqual(
      devices.map((d) => ({ id: d.id, template: d.template, building: d.building ?? '', room: d.room, person: d.person ?? '' })),
    );
  });

  it('leaves the person column out when asked', () => {
    const text = devicesCsv(devices, { persons: false });
    expect(text).not.toContain('张三');
    expect(rows(text)[0]).toMatchObject({ person: undefined, building: 'A' });
  });

  it('writes secrets as they are (no formula quote inside a secret)', () => {
    expect(secretsCsv([{ id: 'p1', secret: 'abc-_DEF' }])).toBe('id,secret\r\np1,abc-_DEF\r\n');
  });
});
