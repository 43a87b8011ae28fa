/**
 * Everything the gateway keeps under its data dir (readings, the outbox, summaries state,
 * the spool and write-ahead log, class sessions, the pseudonym key) is private to its user:
 * directories 0700, files 0600, whatever the process umask. The CLI also sets umask 0o077,
 * but a component must not depend on it: an embedding program or a test keeps its own umask.
 *
 * A directory that is the component's own (the embedded store's, the spool's) is tightened
 * when found wider, e.g. made by a version from before this rule. A parent directory that
 * already exists keeps its mode: it may be shared (`/var/lib`), and changing it is not ours.
 */
import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import { chmod, mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Group or other bits set where none should be. */
function wider(mode: number, wanted: number): boolean {
  return (mode & 0o777 & ~wanted) !== 0;
}

/** A directory another user owns cannot be chmodded by us; it stays as its owner made it. */
function notOwner(err: unknown): undefined {
  if ((err as NodeJS.ErrnoException).code === 'EPERM') return undefined;
  throw err;
}

/** Makes `dir` (and missing parents) 0700; with `own`, an existing `dir` wider than 0700 is tightened. */
export function makePrivateDir(dir: string, opts: { own?: boolean } = {}): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (!opts.own || !wider(statSync(dir).mode, PRIVATE_DIR_MODE)) return;
  try {
    chmodSync(dir, PRIVATE_DIR_MODE);
  } catch (err) {
    notOwner(err);
  }
}

/** The async form of `makePrivateDir`, for components that run on the event loop. */
export async function makePrivateDirAsync(dir: string, opts: { own?: boolean } = {}): Promise<void> {
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (opts.own && wider((await stat(dir)).mode, PRIVATE_DIR_MODE)) await chmod(dir, PRIVATE_DIR_MODE).catch(notOwner);
}

/** chmod 0600 a file wider than that; a missing file is left missing. True when it was changed. */
export function tightenFile(file: string): boolean {
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  if (!wider(mode, PRIVATE_FILE_MODE)) return false;
  chmodSync(file, PRIVATE_FILE_MODE);
  return true;
}

/** The async form of `tightenFile`. */
export async function tightenFileAsync(file: string): Promise<void> {
  const s = await stat(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (s && wider(s.mode, PRIVATE_FILE_MODE)) await chmod(file, PRIVATE_FILE_MODE);
}

/**
 * Readies an SQLite database path before SQLite opens it: its directory, the database file
 * created empty with 0600 (SQLite takes an empty file as a new database), and leftovers of an
 * older install tightened. SQLite creates `-wal`, `-shm` and `-journal` with the mode of the
 * database file (os_unix.c findCreateFileMode, then fchmod past the umask), so they are 0600 too.
 */
export function preparePrivateSqlite(file: string): void {
  if (file === ':memory:' || file === '') return;
  makePrivateDir(dirname(file));
  closeSync(openSync(file, 'a', PRIVATE_FILE_MODE));
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) tightenFile(f);
}
