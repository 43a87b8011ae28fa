/**
 * The gateway as a child process started with the CLI (`campus-gateway start --config …`), so the
 * chaos run and the reliability tests can kill it with SIGKILL; its RSS from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../test/kit/index.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function rssMiB(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

export interface GatewayChild { start(): Promise<void>; kill9(): Promise<void>; stop(): Promise<void>; pid(): number | undefined; health(): Promise<Record<string, unknown> | undefined> }

/** The gateway as a child process started with the CLI (so it can be killed with SIGKILL); also used by the reliability tests. */
export function gatewayChild(configFile: string, httpPort: number, dataDir: string, log: (l: string) => void, logFile?: string): GatewayChild {
  let child: ChildProcess | undefined;
  let stderrTail = '';
  const exited = () => new Promise<void>((r) => (child === undefined || child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));
  async function health(): Promise<Record<string, unknown> | undefined> {
    try {
      const res = await fetch(`http://127.0.0.1:${httpPort}/api/health`, { signal: AbortSignal.timeout(5_000) });
      return (await res.json()) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  }
  return {
    pid: () => child?.pid,
    health,
    async start() {
      child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', '--no-deprecation', join(repoRoot, 'gateway/src/cli.ts'), 'start', '--config', configFile], {
        cwd: repoRoot, stdio: ['ignore', logFile ? 'pipe' : 'ignore', 'pipe'], env: { ...process.env, GATEWAY_DATA_DIR: dataDir },
      });
      if (logFile) child.stdout?.on('data', (b: Buffer) => appendFileSync(logFile, b));
      if (logFile) appendFileSync(logFile, `--- gateway start ${new Date().toISOString()}\n`);
      child.stderr?.on('data', (b: Buffer) => {
        stderrTail = (stderrTail + b.toString()).slice(-2_000);
        if (logFile) appendFileSync(logFile, b);
      });
      const until = Date.now() + 120_000;
      while ((await health()) === undefined) {
        if (child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode} at start: ${stderrTail}`);
        if (Date.now() > until) throw new Error(`gateway did not answer /api/health within 120 s: ${stderrTail}`);
        await sleep(200);
      }
      log(`gateway up (pid ${child.pid})`);
    },
    async kill9() {
      child?.kill('SIGKILL');
      await exited();
    },
    async stop() {
      child?.kill('SIGTERM');
      const t = setTimeout(() => child?.kill('SIGKILL'), 30_000);
      await exited();
      clearTimeout(t);
    },
  };
}
