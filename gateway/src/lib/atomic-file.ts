/**
 * Write-temp-then-rename: a crash or power cut leaves the old content or the new one, never
 * half. The data goes to `<file>.tmp` (mode 0600 even when an old temp file was wider), is
 * fsynced, renamed over the file, and the directory is fsynced so the rename itself survives a
 * power cut (rename(2) is atomic, but durable only once the directory is on disk). Missing
 * directories are made 0700. On any failure the temp file is removed and the old file is
 * untouched.
 *
 * `fsync` trades durability for cost where a stale file is harmless:
 * - `file-and-dir` (default): both, for state a restart must find (devices, sessions, summaries);
 * - `file`: the content only (the WAL checkpoint: a lost rename replays a little more);
 * - `none`: neither (the spool head, rewritten after every acknowledged batch; a stale head
 *   replays batches InfluxDB already holds, which overwrite themselves).
 */
import { closeSync, fchmodSync, fdatasyncSync, fsyncSync, mkdirSync, openSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface AtomicWriteOptions {
  /** File mode, default 0600 (every file the gateway keeps is private to its user). */
  mode?: number;
  /** Mode of directories made on the way, default 0700. */
  dirMode?: number;
  fsync?: 'file-and-dir' | 'file' | 'none';
}

function fsyncDirSync(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The blocking form: for state saved at stop or after a rare change (a session, a device list). */
export function writeFileAtomicSync(file: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): void {
  const { mode = 0o600, dirMode = 0o700, fsync = 'file-and-dir' } = options;
  const dir = dirname(file);
  mkdirSync(dir, { recursive: true, mode: dirMode });
  const tmp = `${file}.tmp`;
  try {
    const fd = openSync(tmp, 'w', mode);
    try {
      fchmodSync(fd, mode);
      writeFileSync(fd, data);
      if (fsync !== 'none') fdatasyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (err) {
    // The first error is the one to report; a temp file that cannot be removed (gone, or not a file) changes nothing.
    try { unlinkSync(tmp); } catch { /* see above */ }
    throw err;
  }
  if (fsync === 'file-and-dir') fsyncDirSync(dir);
}

/** The same on the thread pool. Callers serialize their writes of one file (they share `<file>.tmp`). */
export async function writeFileAtomic(file: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const { mode = 0o600, dirMode = 0o700, fsync = 'file-and-dir' } = options;
  const dir = dirname(file);
  await mkdir(dir, { recursive: true, mode: dirMode });
  const tmp = `${file}.tmp`;
  try {
    const fh = await open(tmp, 'w', mode);
    try {
      await fh.chmod(mode);
      await fh.writeFile(data);
      if (fsync !== 'none') await fh.datasync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  if (fsync === 'file-and-dir') {
    const dh = await open(dir, 'r');
    try {
      await dh.sync();
    } finally {
      await dh.close();
    }
  }
}
