// Process and temp-dir bookkeeping for the test-server kit.
//
// Every server the kit starts is spawned through `spawnTracked`, and every temp
// dir through `makeTempDir`. When the test process exits (normally, or on
// SIGINT/SIGTERM) the live children are SIGKILLed and the dirs removed. If the
// test process is SIGKILLed itself, `setpriv --pdeathsig KILL` makes the kernel
// kill the children, and the owner file lets the next kit user remove the dirs.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { Socket } from 'node:net';
import { join } from 'node:path';

const KIT_STATE_DIR = join(tmpdir(), 'campus-gateway-kit');
const OWNERS_DIR = join(KIT_STATE_DIR, 'owners');
const OUTPUT_TAIL_BYTES = 8192;
const hasSetpriv = existsSync('/usr/bin/setpriv');

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface TrackedProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<ProcessExit>;
  /** Has the process exited already? */
  hasExited(): boolean;
  /** The last few KiB of its stdout and stderr, for error messages. */
  outputTail(): string;
  /** Sends `signal` (default SIGTERM), SIGKILL after `graceMs`, resolves once it has exited. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<ProcessExit>;
}

interface OwnerRecord {
  pids: { pid: number; cmd: string }[];
  dirs: string[];
}

const live = new Map<number, { cmd: string; child: ChildProcess }>();
const dirs = new Set<string>();
const exitHooks: (() => void)[] = [];
let hooksInstalled = false;

function ownerFile(pid: number): string {
  return join(OWNERS_DIR, `${pid}.json`);
}

function saveOwnerRecord(): void {
  const record: OwnerRecord = { pids: [...live].map(([pid, p]) => ({ pid, cmd: p.cmd })), dirs: [...dirs] };
  try {
    writeFileSync(ownerFile(process.pid), JSON.stringify(record));
  } catch {
    // Bookkeeping for crash recovery only; never fail a test over it.
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes what a kit user that died without cleaning up left behind. */
function reapDeadOwners(): void {
  let names: string[] = [];
  try {
    names = readdirSync(OWNERS_DIR);
  } catch {
    return;
  }
  for (const name of names) {
    const owner = Number.parseInt(name, 10);
    if (!Number.isInteger(owner) || owner === process.pid || isAlive(owner)) continue;
    const file = join(OWNERS_DIR, name);
    try {
      const record = JSON.parse(readFileSync(file, 'utf8')) as OwnerRecord;
      for (const { pid, cmd } of record.pids) {
        // Guard against pid reuse: only kill it if it is still the command we started.
        if (procCmd(pid)?.startsWith(cmd)) killQuietly(pid);
      }
      for (const dir of record.dirs) rmSync(dir, { recursive: true, force: true });
    } catch {
      // Already gone or unreadable: nothing to reap.
    }
    try {
      unlinkSync(file);
    } catch {
      // Another reaper got there first.
    }
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already exited.
  }
}

function procCmd(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
  } catch {
    return undefined;
  }
}

/** Synchronous: runs in the 'exit' handler, where no promise can settle. */
function cleanupNow(): void {
  for (const [pid] of live) killQuietly(pid);
  live.clear();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs.clear();
  for (const hook of exitHooks.splice(0)) {
    try {
      hook();
    } catch {
      // Best effort.
    }
  }
  try {
    unlinkSync(ownerFile(process.pid));
  } catch {
    // Never written, or already removed.
  }
}

function onSignal(signal: NodeJS.Signals): void {
  cleanupNow();
  // If nobody else handles the signal, restore the default action (terminate).
  if (process.listenerCount(signal) === 1) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  }
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  mkdirSync(OWNERS_DIR, { recursive: true });
  reapDeadOwners();
  process.on('exit', cleanupNow);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/** Runs `hook` synchronously when the test process exits (e.g. to release a port). */
export function onKitExit(hook: () => void): void {
  installHooks();
  exitHooks.push(hook);
}

/** A fresh directory under the system temp dir, removed when the test process exits. */
export function makeTempDir(label: string): string {
  installHooks();
  const dir = mkdtempSync(join(tmpdir(), `campus-gateway-kit-${label}-`));
  dirs.add(dir);
  saveOwnerRecord();
  return dir;
}

/** Spawns `cmd args`, tracked so that it is killed when the test process exits. */
export function spawnTracked(cmd: string, args: string[], options: { cwd?: string } = {}): TrackedProcess {
  installHooks();
  // setpriv execs the command (same pid) after asking the kernel to SIGKILL it if we die.
  const [file, argv] = hasSetpriv ? ['/usr/bin/setpriv', ['--pdeathsig', 'KILL', '--', cmd, ...args]] : [cmd, args];
  const child = spawn(file, argv, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const keep = (chunk: Buffer): void => {
    tail = (tail + chunk.toString('utf8')).slice(-OUTPUT_TAIL_BYTES);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exit: ProcessExit | undefined;
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      if (child.pid !== undefined) live.delete(child.pid);
      saveOwnerRecord();
      resolve(exit);
    });
    child.once('error', (err) => {
      tail += `\n[spawn error] ${err.message}`;
      exit ??= { code: null, signal: null };
      resolve(exit);
    });
  });
  const pid = child.pid ?? -1;
  if (child.pid !== undefined) {
    live.set(child.pid, { cmd: [cmd, ...args].join(' '), child });
    saveOwnerRecord();
  }
  // A server the test forgot to stop must not keep the worker alive; the exit hook kills it.
  child.unref();
  (child.stdout as Socket | null)?.unref();
  (child.stderr as Socket | null)?.unref();
  return {
    pid,
    child,
    exited,
    hasExited: () => exit !== undefined,
    outputTail: () => tail,
    async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<ProcessExit> {
      if (exit !== undefined) return exit;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls `check` every `intervalMs` until it returns true. Fails early if `proc`
 * exits, and after `timeoutMs`; either error names `what` and shows the output tail.
 */
export async function waitUntil(
  what: string,
  check: () => boolean | Promise<boolean>,
  options: { timeoutMs: number; intervalMs?: number; proc?: TrackedProcess },
): Promise<void> {
  const { timeoutMs, intervalMs = 50, proc } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc?.hasExited()) {
      const { code, signal } = await proc.exited;
      throw new Error(`${what}: the process exited (code ${code}, signal ${signal}) before it was ready. Its output ends with:\n${proc.outputTail()}`);
    }
    if (await check()) return;
    if (Date.now() > deadline) {
      const output = proc ? ` Its output ends with:\n${proc.outputTail()}` : '';
      throw new Error(`${what}: not ready after ${timeoutMs} ms.${output}`);
    }
    await sleep(intervalMs);
  }
}

/** Spawns a tracked server and waits until `ready()`; if it never gets there, kills it and fails naming `what`. */
export async function spawnReady(cmd: string, args: string[], what: string, ready: () => boolean | Promise<boolean>, timeoutMs: number): Promise<TrackedProcess> {
  const proc = spawnTracked(cmd, args);
  try {
    await waitUntil(what, ready, { timeoutMs, proc });
  } catch (err) {
    await proc.stop('SIGKILL');
    throw err;
  }
  return proc;
}
