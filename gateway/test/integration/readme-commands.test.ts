// The README's commands, run as written from the repository root: every `npx campus-gateway …`
// and `npx campus-sim …` line of the ```sh blocks of README.md and edge/site/README.md, through
// the bins npm linked at install. CI installs a clean clone with `npm ci`, which links the bins
// and builds dist/ (root `prepare`); npm used to skip the bins because their target (dist/cli.js)
// did not exist yet when it linked them, and npx then asked the registry (npm error 404).
// npx is kept off the registry here (npm_config_yes=false, offline), so a missing bin fails.
// Long-running commands (start, hub, a simulator run) are not run; the files they name must exist.
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, testOutputDir } from '../kit/index.js';

const BINS = { 'campus-gateway': 'gateway', 'campus-sim': 'firmware-sim' } as const;
type Bin = keyof typeof BINS;
interface Command { line: string; file: string; bin: Bin; args: string[] }

/** Lines of ```sh blocks (backslash continuations joined, trailing `# comments` dropped). */
function shellLines(markdown: string): string[] {
  const out: string[] = [];
  for (const [, body] of markdown.matchAll(/^```sh\n([\s\S]*?)^```/gm)) {
    for (const line of body!.replace(/\\\n\s*/g, ' ').split('\n')) {
      const text = line.replace(/\s+#\s.*$/, '').trim();
      if (text) out.push(text);
    }
  }
  return out;
}

/** Words of a simple command line (single and double quotes; no expansions). */
function words(line: string): string[] {
  return [...line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

/** Leading `NAME=value` assignments of a command line (`VAR=$(…) npx …`). */
const ASSIGNMENTS = /^(?:[A-Z_][A-Z0-9_]*=(?:"[^"]*"|'[^']*'|\$\([^)]*\)|\S+)\s+)+/;

const commands: Command[] = ['README.md', 'edge/site/README.md'].flatMap((file) =>
  shellLines(readFileSync(join(repoRoot, file), 'utf8')).flatMap((line) => {
    const [npx, bin, ...args] = words(line.replace(ASSIGNMENTS, ''));
    return npx === 'npx' && bin !== undefined && bin in BINS ? [{ line, file, bin: bin as Bin, args }] : [];
  }));

const isHelp = (c: Command) => c.args.length === 0 || c.args[0] === '--help' || c.args[0] === 'help';
const longRunning = (c: Command) => (c.bin === 'campus-gateway' ? ['start', 'hub'].includes(c.args[0] ?? '') : !isHelp(c));

// A user's shell: no vitest/tsx loader flags that would resolve the workspaces to src/*.ts.
const shellEnv: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '', GATEWAY_CONFIG: '', npm_config_yes: 'false', npm_config_offline: 'true', npm_config_update_notifier: 'false' };

function sh(line: string, cwd = repoRoot): Promise<{ code: number; out: string; stdout: string }> {
  return new Promise((resolve) => {
    execFile('sh', ['-c', line], { cwd, env: shellEnv }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: `${stdout}${stderr}`, stdout });
    });
  });
}

const scratch = mkdtempSync(join(tmpdir(), 'cg-readme-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the README commands', () => {
  it('are found: both commands, with their --help', () => {
    expect(commands.filter((c) => !longRunning(c)).length).toBeGreaterThanOrEqual(5);
    for (const bin of Object.keys(BINS)) expect(commands.some((c) => c.bin === bin && isHelp(c)), `npx ${bin} --help`).toBe(true);
  });

  it.each(commands.filter((c) => !longRunning(c)).map((c) => [c.line, c] as const))('%s', async (_line, c) => {
    const r = await sh(c.line);
    expect(r.code, `${c.file}: ${c.line}\n${r.out}`).toBe(0);
    const [sub, verb, arg] = c.args;
    if (isHelp(c)) expect(r.out).toContain(`usage:\n  ${c.bin} `);
    else if (sub === 'templates' && verb === 'check') expect(r.stdout).toMatch(/^34 templates, 34 valid/m);
    else if (sub === 'config' && verb === 'check') expect(r.stdout.trim()).toBe(`${arg}: ok`);
    else if (sub === 'devices' && verb === 'hash-secret') expect(r.stdout.trim()).toMatch(/^scrypt\$\d+\$\d+\$\d+\$[\w-]+\$[\w-]+$/);
    else expect(r.stdout.length, c.line).toBeGreaterThan(0);
  });

  it('that run for long name only files that exist', () => {
    for (const c of commands.filter(longRunning)) {
      for (const a of c.args.filter((w) => /^(edge|firmware-sim|gateway|device-templates)\/\S+\.\w+$/.test(w))) {
        expect(existsSync(join(repoRoot, a)), `${c.file}: ${c.line}: ${a}`).toBe(true);
      }
    }
  });
});

describe('edge/site/README.md, making the admin token', () => {
  it('runs as written (but npm ci and docker), and the .env it writes makes the shipped config pass `config check`', async () => {
    const block = /^```sh\n([\s\S]*?)^```/m.exec(readFileSync(join(repoRoot, 'edge/site/README.md'), 'utf8'))![1]!;
    const lines = block.split('\n').filter((l) => l.trim() !== '' && !/^(npm ci|docker )/.test(l));
    expect(lines.join('\n')).toMatch(/hash-secret/);
    // Inside the repository (test-output/ is git-ignored), so npx finds the linked bins.
    const dir = testOutputDir('readme-site');
    rmSync(join(dir, '.env'), { force: true });
    rmSync(join(dir, 'admin.token'), { force: true });
    const r = await sh(lines.join('\n'), dir);
    expect(r.code, r.out).toBe(0);
    expect(statSync(join(dir, 'admin.token')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, '.env')).mode & 0o777).toBe(0o600);
    const env = readFileSync(join(dir, '.env'), 'utf8');
    const hash = /^CAMPUS_ADMIN_TOKEN_HASH='(scrypt\$[^']+)'$/m.exec(env)?.[1];
    expect(hash).toBeDefined();
    const check = await sh(`CAMPUS_ADMIN_TOKEN_HASH='${hash!}' npx campus-gateway config check edge/site/gateway.yaml`);
    expect(check.code, check.out).toBe(0);
    expect(check.stdout.trim()).toBe('edge/site/gateway.yaml: ok');
  });
});

describe('the bins npm links', () => {
  it.each(Object.entries(BINS))('%s is a committed, executable file outside dist/, linked in node_modules/.bin', (bin, dir) => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, dir, 'package.json'), 'utf8')) as { bin: Record<string, string>; files: string[] };
    const target = join(dir, pkg.bin[bin]!);
    expect(target.split('/')).not.toContain('dist');
    execFileSync('git', ['ls-files', '--error-unmatch', target], { cwd: repoRoot, stdio: 'pipe' });
    expect(statSync(join(repoRoot, target)).mode & 0o111).not.toBe(0);
    expect(pkg.files).toContain(pkg.bin[bin]!.split('/')[0]);
    expect(realpathSync(join(repoRoot, 'node_modules', '.bin', bin))).toBe(realpathSync(join(repoRoot, target)));
  });

  it.each(Object.entries(BINS))('%s says how to build when dist/ is missing', async (bin, dir) => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, dir, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    const copy = join(scratch, dir, pkg.bin[bin]!);
    mkdirSync(join(copy, '..'), { recursive: true });
    copyFileSync(join(repoRoot, dir, pkg.bin[bin]!), copy);
    copyFileSync(join(repoRoot, dir, 'package.json'), join(scratch, dir, 'package.json'));
    const r = await sh(`"${process.execPath}" "${copy}" --help`, scratch);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`${bin}: GW_ERR_NOT_BUILT: ${dir}/dist/cli.js is missing; run \`npm run build\``);
  });
});
