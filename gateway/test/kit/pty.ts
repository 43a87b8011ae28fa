// A connected pair of pseudo-terminals made by socat: what one end writes, the
// other reads, like two serial ports joined by a null-modem cable. Killing socat
// makes both ends vanish, like unplugging a USB serial adapter.
import { existsSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePackages } from './packages.js';
import { makeTempDir, spawnTracked, waitUntil, type TrackedProcess } from './processes.js';

const START_TIMEOUT_MS = 10_000;

export interface PtyPair {
  /** Path of one end (a symlink to /dev/pts/N), for serialport's `path`. */
  a: string;
  /** Path of the other end. */
  b: string;
  /** Kills socat and removes both links: the device is unplugged. */
  stop(): Promise<void>;
  /** Starts socat again with the same link paths: the device is plugged back in. */
  start(): Promise<void>;
}

async function launch(a: string, b: string): Promise<TrackedProcess> {
  const proc = spawnTracked('socat', ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`]);
  try {
    await waitUntil(`socat did not create the pty links ${a} and ${b}`, () => existsSync(a) && existsSync(b), {
      timeoutMs: START_TIMEOUT_MS,
      intervalMs: 20,
      proc,
    });
  } catch (err) {
    await proc.stop('SIGKILL');
    throw err;
  }
  return proc;
}

function removeLink(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // socat removed it already.
  }
}

/** Creates a socat pty pair with links `<tempdir>/ttyA` and `<tempdir>/ttyB`. */
export async function createPtyPair(): Promise<PtyPair> {
  await ensurePackages(['socat']);
  const dir = makeTempDir('pty');
  const a = join(dir, 'ttyA');
  const b = join(dir, 'ttyB');
  let proc = await launch(a, b);
  return {
    a,
    b,
    async stop(): Promise<void> {
      await proc.stop('SIGTERM');
      removeLink(a);
      removeLink(b);
    },
    async start(): Promise<void> {
      if (!proc.hasExited()) return;
      removeLink(a);
      removeLink(b);
      proc = await launch(a, b);
    },
  };
}
