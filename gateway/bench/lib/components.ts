/**
 * The other engineers' component benchmarks (broker, influx store, Modbus
 * cadence), run as they are, each in its own process, so `npm run bench`
 * reports them in the same run without duplicating them. Each prints a table
 * and then one JSON line, which is what we keep.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface ComponentBench {
  name: string;
  script: string;
  args: string[];
}

export const COMPONENT_BENCHES: ComponentBench[] = [
  { name: 'broker', script: 'broker-bench.ts', args: ['--connections', '2000', '--flood-seconds', '3'] },
  { name: 'store', script: 'store-bench.ts', args: ['100000'] },
  { name: 'modbus', script: 'modbus-bench.ts', args: ['15'] },
];

export interface ComponentResult {
  name: string;
  ok: boolean;
  seconds: number;
  result?: unknown;
  error?: string;
}

export async function runComponentBench(b: ComponentBench, timeoutMs = 180_000): Promise<ComponentResult> {
  const file = fileURLToPath(new URL(`../${b.script}`, import.meta.url));
  if (!existsSync(file)) return { name: b.name, ok: false, seconds: 0, error: `${b.script} not found` };
  const t0 = Date.now();
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', '--no-deprecation', file, ...b.args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
  child.stderr.on('data', (c: Buffer) => { err = (err + c.toString()).slice(-2000); });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  clearTimeout(timer);
  const seconds = Math.round((Date.now() - t0) / 1000);
  // The JSON is the last line, or (pretty-printed) the text from the last line that is just `{`.
  const lines = out.trim().split('\n');
  const last = lines.at(-1) ?? '';
  const json = last.startsWith('{') && last.endsWith('}') ? last : lines.slice(lines.lastIndexOf('{')).join('\n');
  if (code !== 0 || !json) return { name: b.name, ok: false, seconds, error: `exit ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}` };
  try {
    return { name: b.name, ok: true, seconds, result: JSON.parse(json) as unknown };
  } catch {
    return { name: b.name, ok: false, seconds, error: 'last line is not JSON' };
  }
}
