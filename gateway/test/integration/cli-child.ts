/** The `campus-gateway` CLI as a child process (from source through tsx), for start-up and log tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { expect } from 'vitest';
import { repoRoot } from '../kit/index.js';

export const CLI_ARGS = ['--conditions=source', '--import', 'tsx', 'gateway/src/cli.ts'];

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunningCli {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the result once the process exits (however long that takes: callers bound it). */
  exited: Promise<CliResult>;
  /** SIGTERM and the exit. */
  stop(): Promise<CliResult>;
}

export function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}): RunningCli {
  const child = spawn(process.execPath, [...CLI_ARGS, ...args], {
    cwd: repoRoot,
    env: { ...process.env, GATEWAY_CONFIG: '', GATEWAY_LOG_FORMAT: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<CliResult>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal, stdout: out, stderr: err }));
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/**
 * Runs the CLI to its end. `boundMs` is a safety bound, far above what any case needs on a slow
 * machine: a process still alive then is killed and reported as hung (code null).
 */
export async function runCli(args: string[], env: NodeJS.ProcessEnv = {}, boundMs = 40_000): Promise<CliResult> {
  const run = spawnCli(args, env);
  const timer = setTimeout(() => run.child.kill('SIGKILL'), boundMs);
  try {
    return await run.exited;
  } finally {
    clearTimeout(timer);
  }
}

export async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 60_000, run?: RunningCli): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (run && run.child.exitCode !== null) throw new Error(`the CLI exited (${run.child.exitCode}) while waiting for ${what}:\n${run.stdout()}\n${run.stderr()}`);
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${run ? `:\n${run.stdout()}\n${run.stderr()}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** GET a JSON document, or undefined while nothing answers. */
export async function getJson<T>(url: string): Promise<T | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    return (await res.json()) as T;
  } catch {
    return undefined;
  }
}

/** The non-empty lines of a text, without ANSI colours and carriage returns (a pty writes CRLF). */
export function linesOf(text: string): string[] {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, '').split(/\r?\n/).map((l) => l.replace(/\r/g, '')).filter((l) => l.trim() !== '');
}

/** Exit 1 and exactly one line on stderr, no stack: a leaked handle would hang, or add the forced exit's line. */
export function expectOneFatalLine(r: CliResult, pattern: RegExp): void {
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(1);
  const lines = linesOf(r.stderr);
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/^\s+at /m);
}
