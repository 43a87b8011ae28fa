import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileAtomic, writeFileAtomicSync } from './atomic-file.js';

const root = mkdtempSync(join(tmpdir(), 'atomic-file-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(root, `case-${n++}`);

describe.each([
  ['writeFileAtomicSync', async (f: string, d: string | Uint8Array, o?: Parameters<typeof writeFileAtomicSync>[2]) => writeFileAtomicSync(f, d, o)],
  ['writeFileAtomic', writeFileAtomic],
] as const)('%s', (_name, write) => {
  it('writes the content, 0600 in a new 0700 directory, and leaves no temp file', async () => {
    const dir = fresh();
    const file = join(dir, 'sub', 'state.json');
    await write(file, '{"a":1}');
    await write(file, Buffer.from('{"a":2}'));
    expect(readFileSync(file, 'utf8')).toBe('{"a":2}');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'sub')).mode & 0o777).toBe(0o700);
    expect(readdirSync(join(dir, 'sub'))).toEqual(['state.json']);
  });

  it('tightens a leftover temp file that was world-readable', async () => {
    const dir = fresh();
    mkdirSync(dir);
    const file = join(dir, 'f');
    writeFileSync(`${file}.tmp`, 'old temp', { mode: 0o644 });
    await write(file, 'new', { fsync: 'none' });
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('when the rename fails, the old content stays and the temp file is removed', async () => {
    const dir = fresh();
    mkdirSync(dir);
    // A non-empty directory where the file should be: rename(2) refuses it (EISDIR/ENOTEMPTY).
    const file = join(dir, 'taken');
    mkdirSync(file);
    writeFileSync(join(file, 'old'), 'old content');
    await expect(write(file, 'new content')).rejects.toThrow(/EISDIR|ENOTEMPTY|EEXIST/);
    expect(readFileSync(join(file, 'old'), 'utf8')).toBe('old content');
    expect(readdirSync(dir)).toEqual(['taken']);
  });

  it('reports the first error when the temp file cannot be opened (a directory in its place)', async () => {
    const dir = fresh();
    const file = join(dir, 'f');
    mkdirSync(`${file}.tmp`, { recursive: true });
    writeFileSync(file, 'old');
    await expect(write(file, 'new')).rejects.toMatchObject({ code: 'EISDIR' });
    expect(readFileSync(file, 'utf8')).toBe('old');
  });
});

describe('a writer killed at any moment', () => {
  it('leaves the old content or the new one, never a mix or a truncated file (SIGKILL at random times)', async () => {
    const dir = fresh();
    mkdirSync(dir);
    const file = join(dir, 'state.bin');
    // Two contents of 4 MiB each, every byte telling which one it belongs to.
    const child = join(dir, 'writer.mts');
    writeFileSync(child, `
      import { writeFileAtomicSync } from ${JSON.stringify(fileURLToPath(new URL('./atomic-file.ts', import.meta.url)))};
      const a = Buffer.alloc(4 << 20, 0x61), b = Buffer.alloc(4 << 20, 0x62);
      writeFileAtomicSync(process.argv[2], a);
      process.stdout.write('ready\\n');
      for (let i = 0; ; i++) writeFileAtomicSync(process.argv[2], i % 2 ? a : b, { fsync: 'none' });
    `);
    for (let run = 0; run < 6; run++) {
      const p = spawn(process.execPath, ['--import', 'tsx', child, file], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve) => p.stdout.once('data', () => resolve()));
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 200));
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGKILL');
      await exited;
      const content = readFileSync(file);
      expect(content.length).toBe(4 << 20);
      const first = content[0];
      expect(first === 0x61 || first === 0x62).toBe(true);
      expect(content.every((byte) => byte === first)).toBe(true);
    }
  }, 60_000);
});
