// edge/site/Dockerfile, replayed without Docker (dockerfile-replay.ts): its stages run their
// COPY/WORKDIR/ENV/RUN steps in order in temp directories (npm ci, the build, the production
// install), so a step that needs a file not copied yet fails here, as TS5058 did in the image
// (`npm ci --ignore-scripts=false` ran the root `prepare` before the sources were there).
// Then the runtime stage is started with the image's CMD and must pass its HEALTHCHECK.
//
// Stand-ins for what a Docker build fetches from the network (not reachable in CI):
// - npm installs from the machine's npm cache first (npm_config_prefer_offline);
// - better-sqlite3's install script downloads a prebuilt binary from GitHub, else compiles it
//   (~5 minutes on two cores): the test lays the repository's own compiled module where the
//   script looks for a local prebuild (prebuilds/<name>.tar.gz) before it runs.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Token } from '../../src/api/token-hash.js';
import { freePort, repoRoot, until } from '../kit/index.js';
import { listTree, parseDockerfile, replayDockerfile, stageArgs, type Stage } from './dockerfile-replay.js';

const DOCKERFILE = 'edge/site/Dockerfile';
const dir = mkdtempSync(join(tmpdir(), 'cg-image-'));
// A clean build shell: no npm/vitest variables of this run, node first on PATH, npm cache first.
const buildEnv: NodeJS.ProcessEnv = {
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(npm_|NODE_OPTIONS$|VITEST)/.test(k))),
  // Without the node_modules/.bin entries npm run/npx put there: commands come from the stage.
  PATH: [dirname(process.execPath), ...(process.env.PATH ?? '').split(':').filter((p) => !p.endsWith('node_modules/.bin'))].join(':'),
  npm_config_prefer_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false',
};

function layPrebuiltSqlite(part: string, stage: Stage): void {
  if (!/^npm rebuild\b.*\bbetter-sqlite3\b/.test(part)) return;
  const pkgDir = join(stage.root, stage.workdir, 'node_modules', 'better-sqlite3');
  const { version } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string };
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  mkdirSync(join(pkgDir, 'prebuilds'), { recursive: true });
  const built = join(repoRoot, 'node_modules', 'better-sqlite3');
  execFileSync('tar', ['-czf', join(pkgDir, 'prebuilds', name), '-C', built, 'build/Release/better_sqlite3.node']);
}

let stages: Stage[] = [];
let runtime: Stage;
let gateway: ChildProcess | undefined;

beforeAll(async () => {
  const instructions = parseDockerfile(readFileSync(join(repoRoot, DOCKERFILE), 'utf8'));
  stages = await replayDockerfile(instructions, readFileSync(join(repoRoot, '.dockerignore'), 'utf8'), {
    context: repoRoot, dir, env: buildEnv, beforeRun: layPrebuiltSqlite,
  });
  runtime = stages.at(-1)!;
}, 300_000);

afterAll(() => {
  gateway?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe(`${DOCKERFILE}, replayed`, () => {
  it('builds in separate stages on node 22+, installing with npm ci, without EBADENGINE', () => {
    expect(stages.map((s) => s.name)).toEqual(['build', 'deps', 'stage-2']);
    for (const s of stages) expect(s.image).toMatch(/^node:(2[2-9]|[3-9]\d)-bookworm-slim$/);
    const npmCi = stages.flatMap((s) => s.output).filter((o) => o.part.startsWith('npm ci'));
    expect(npmCi.map((o) => o.part)).toEqual([expect.stringMatching(/^npm ci --ignore-scripts\b/), expect.stringMatching(/^npm ci --omit=dev\b/)]);
    for (const o of npmCi) expect(o.text, o.part).not.toContain('EBADENGINE');
    // Only the OS packages of the image are not replayed.
    for (const s of stages) for (const part of s.notReplayed) expect(part).toMatch(/^(apt-get |rm -rf \/var\/lib\/apt\/lists)/);
  });

  it('ships production dependencies, dist, the bins, the dashboard and the templates; no sources or dev tools', () => {
    const app = join(runtime.root, 'opt/campus-gateway');
    for (const path of ['gateway/dist/cli.js', 'gateway/bin/campus-gateway.js', 'gateway/web/app.js', 'gateway/web/index.html', 'firmware-sim/dist/index.js',
      'firmware-sim/bin/campus-sim.js', 'firmware-sim/scenarios/demo.yaml', 'device-templates/classroom-light/template.yaml', 'node_modules/fastify/package.json',
      'node_modules/better-sqlite3/build/Release/better_sqlite3.node', 'node_modules/.bin/campus-gateway']) {
      expect(existsSync(join(app, path)), `${path} in ${listTree(app).join(', ')}`).toBe(true);
    }
    for (const path of ['gateway/src', 'firmware-sim/src', 'gateway/test', 'node_modules/typescript', 'node_modules/vitest', 'node_modules/eslint', '.git']) {
      expect(existsSync(join(app, path)), path).toBe(false);
    }
  });

  it('runs as a non-root user whose data directory is a volume, the working directory and GATEWAY_DATA_DIR', () => {
    expect(runtime.user).toBeDefined();
    expect(['root', '0']).not.toContain(runtime.user!.split(':')[0]);
    const data = runtime.volumes[0]!;
    expect(runtime.volumes).toEqual([data]);
    expect(runtime.workdir).toBe(data);
    expect(runtime.env.GATEWAY_DATA_DIR).toBe(join(runtime.root, data));
    expect(runtime.claims).toContainEqual({ command: 'chown', value: `${runtime.user}:${runtime.user}`, paths: [data] });
    expect(runtime.claims).toContainEqual({ command: 'chmod', value: '0700', paths: [data] });
    expect(runtime.env.MALLOC_MMAP_THRESHOLD_).toBe('131072');
  });

  it('starts with its CMD, passes its HEALTHCHECK and writes only in the data directory', async () => {
    const [http, mqtt] = [await freePort(), await freePort()];
    const config = join(runtime.root, 'etc/campus-gateway/gateway.yaml');
    expect(runtime.cmd).toEqual(['node', '--max-old-space-size=1024', '/opt/campus-gateway/gateway/dist/cli.js', 'start', '--config', '/etc/campus-gateway/gateway.yaml']);
    expect(runtime.env.GATEWAY_CONFIG).toBe(config);
    writeFileSync(config, [
      'site: { id: image-school, name: Image School }',
      'broker: { host: 127.0.0.1, auth: { enabled: true } }',
      `http: { host: 127.0.0.1, tokens: [{ role: admin, name: it, tokenHash: "${sha256Token('a-long-random-token-for-the-image-test-0123456789')}" }] }`,
      '',
    ].join('\n'));
    const env = { ...buildEnv, ...runtime.env, GATEWAY_HTTP_PORT: String(http), GATEWAY_MQTT_PORT: String(mqtt) };
    const [cmd, ...args] = stageArgs(runtime, runtime.cmd!);
    const cwd = join(runtime.root, runtime.workdir);
    let output = '';
    gateway = spawn(cmd!, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    gateway.stdout!.on('data', (b: Buffer) => { output += b.toString(); });
    gateway.stderr!.on('data', (b: Buffer) => { output += b.toString(); });
    const healthcheck = () => new Promise<true | undefined>((resolve) => {
      execFile('sh', ['-c', runtime.healthcheck!.command], { cwd, env }, (err) => resolve(err ? undefined : true));
    });
    await until(`the HEALTHCHECK (gateway output: ${output.slice(-2000)})`, async () => {
      if (gateway!.exitCode !== null) throw new Error(`the gateway exited (${gateway!.exitCode}): ${output}`);
      return healthcheck();
    }, 60_000, 250);
    const health = await (await fetch(`http://127.0.0.1:${http}/api/health`)).json() as { status: string; api: { auth: string } };
    expect(health).toMatchObject({ status: 'ok', api: { auth: 'tokens' } });

    expect(readdirSync(cwd).length, 'the data directory holds the store and keys').toBeGreaterThan(0);
    expect(existsSync(join(runtime.root, 'opt/campus-gateway/data'))).toBe(false);
    const exited = new Promise<number | null>((resolve) => gateway!.once('exit', (code) => resolve(code)));
    gateway.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('puts campus-gateway on the PATH (the compose hub service runs it by name)', async () => {
    const env = { ...buildEnv, ...runtime.env };
    const out = await new Promise<string>((resolve, reject) => {
      execFile('sh', ['-c', 'command -v campus-gateway && campus-gateway templates check'], { cwd: join(runtime.root, runtime.workdir), env }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)));
    });
    expect(out.split('\n')[0]).toBe(join(runtime.root, 'opt/campus-gateway/node_modules/.bin/campus-gateway'));
    expect(out).toMatch(/^34 templates, 34 valid/m);
  });
});
