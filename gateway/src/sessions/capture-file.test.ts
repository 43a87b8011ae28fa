import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../log.js';
import { createCaptureFiles } from './capture-file.js';

describe('a session\'s capture file', () => {
  it('appends one line per reading (0600) and reads them back in order, sync and async', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'capture-')), 'sessions');
    const files = createCaptureFiles({ dir }, { log: silentLogger() });
    for (let i = 0; i < 3; i++) files.append('s1', 'P-1', { template: 'smart-pen', device: 'P-1', ts: i, fields: { x_mm: i }, tags: {} });
    await files.close('s1');
    expect(statSync(join(dir, 's1.ndjson')).mode & 0o777).toBe(0o600);
    const sync: string[] = [];
    files.eachLineSync('s1', (l) => sync.push(l));
    const async: string[] = [];
    for await (const l of files.lines('s1')) async.push(l);
    expect(sync.map((l) => (JSON.parse(l) as { r: { ts: number } }).r.ts)).toEqual([0, 1, 2]);
    expect(async).toEqual(sync);
  });

  it('keeps a character cut by a chunk boundary whole, and reads a last line without a newline', () => {
    const dir = mkdtempSync(join(tmpdir(), 'capture-'));
    const text = '{"k":"张伟"}\n{"k":"李娜"}\n{"k":"王小明"}';
    writeFileSync(join(dir, 's2.ndjson'), text);
    // 5-byte chunks cut every 3-byte Chinese character somewhere.
    const files = createCaptureFiles({ dir, chunkBytes: 5 }, { log: silentLogger() });
    const lines: string[] = [];
    files.eachLineSync('s2', (l) => lines.push(l));
    expect(lines).toEqual(readFileSync(join(dir, 's2.ndjson'), 'utf8').split('\n'));
  });

  it('writes nothing without a folder', () => {
    const files = createCaptureFiles({ dir: undefined }, { log: silentLogger() });
    files.append('s3', 'P-1', { template: 'smart-pen', device: 'P-1', ts: 0, fields: {}, tags: {} });
    expect(files.enabled).toBe(false);
    expect(files.exists('s3')).toBe(false);
  });
});
