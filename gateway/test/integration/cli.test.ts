/** The `campus-gateway` CLI as a user runs it (child processes, real files). */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../kit/index.js';

const dir = mkdtempSync(join(tmpdir(), 'cg-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--conditions=source', '--import', 'tsx', 'gateway/src/cli.ts', ...args], { cwd: repoRoot, env: { ...process.env, GATEWAY_CONFIG: '' } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('campus-gateway CLI', () => {
  it('templates check --json reports the 34 templates of the catalog', async () => {
    const r = await cli('templates', 'check', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ templates: 34, valid: 34, invalid: [], transports: { mqtt: 20, modbus: 10, serial: 4 } });
  });

  it('config check accepts a good file and names the key path, value and expectation of a bad one', async () => {
    const good = join(dir, 'good.yaml');
    writeFileSync(good, 'site: { id: north-school, name: North }\nbroker: { port: 1884, auth: { enabled: true } }\nstore: { kind: influx, url: "http://127.0.0.1:8086", database: campus }\n'
      + `http: { tokens: [{ role: admin, tokenHash: "sha256$${'0f'.repeat(32)}" }] }\n`);
    const ok = await cli('config', 'check', good);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('ok');

    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'broker:\n  port: 99999\nhttp:\n  prot: 8080\n');
    const r = await cli('config', 'check', bad);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(bad);
    expect(r.stderr).toContain('broker.port: expected at most 65535, got 99999');
    expect(r.stderr).toContain('http.prot: unknown key; did you mean "port"?');
  });

  it('start refuses a bad config before starting anything', async () => {
    const bad = join(dir, 'bad-start.yaml');
    writeFileSync(bad, 'store: { kind: influx, url: "http://127.0.0.1:8086" }\n');
    const r = await cli('start', '--config', bad);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/store\.database/);
  });

  it('devices hash-secret prints a self-describing scrypt hash', async () => {
    const r = await cli('devices', 'hash-secret', '--secret', 'correct horse');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(/^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/_-]+\$[A-Za-z0-9+/_-]+$/);
  });

  it('answers an unknown command with usage and exit 2', async () => {
    const r = await cli('frobnicate');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('campus-gateway start');
  });
});
