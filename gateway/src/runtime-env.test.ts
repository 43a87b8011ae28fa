import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RUNTIME_ENV, RUNTIME_ENV_WORDS, RUNTIME_NODE_FLAGS } from './runtime-env.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (p: string) => readFileSync(join(root, p), 'utf8');

describe('the environment the gateway is started with', () => {
  it('is set by every way a site starts it', () => {
    const shebang = read('gateway/src/cli.ts').split('\n')[0];
    // The `campus-gateway` command npm links is the committed shim of gateway/package.json "bin".
    const bin = (JSON.parse(read('gateway/package.json')) as { bin: Record<string, string> }).bin['campus-gateway']!;
    const binShebang = read(join('gateway', bin)).split('\n')[0];
    const start = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts.start;
    const unit = read('edge/systemd/campus-gateway.service');
    const dockerfile = read('edge/site/Dockerfile');
    const flags = RUNTIME_NODE_FLAGS.join(' ');
    const hubUnit = read('edge/hub/campus-hub.service');
    expect(shebang).toMatch(new RegExp(` node ${flags}$`));
    expect(start).toContain(` node ${flags} gateway/dist/cli.js`);
    expect(unit).toContain(`\nExecStart=/usr/bin/node ${flags} /opt/campus-gateway/gateway/dist/cli.js start `);
    expect(hubUnit).toContain(`\nExecStart=/usr/bin/node ${flags} /opt/campus-gateway/gateway/dist/cli.js hub `);
    expect(dockerfile).toContain(`\nCMD ["node", ${RUNTIME_NODE_FLAGS.map((f) => JSON.stringify(f)).join(', ')}, "/opt/campus-gateway/gateway/dist/cli.js", "start"`);
    // The compose files run the image's `campus-gateway` command, which carries the shebang's flags.
    for (const compose of ['docker-compose.yml', 'edge/hub/docker-compose.yml']) {
      for (const m of read(compose).matchAll(/command: \[([^\]]*)\]/g)) {
        if (m[1]!.includes('hub') || m[1]!.includes('start')) expect(m[1]).toMatch(/^"campus-gateway", /);
      }
    }
    for (const word of RUNTIME_ENV_WORDS) {
      expect(shebang).toMatch(new RegExp(`^#!/usr/bin/env -S .*\\b${word} node `));
      expect(binShebang).toBe(shebang);
      expect(start).toContain(`${word} node ${flags} gateway/dist/cli.js`);
      expect(unit).toContain(`\nEnvironment=${word}\n`);
      expect(hubUnit).toContain(`\nEnvironment=${word}\n`);
      expect(dockerfile).toContain(`\nENV ${word}\n`);
    }
  });

  it('reaches node through the command line `env -S` form of the shebang', () => {
    // The kernel hands `env` everything after it on the `#!` line as one argument.
    const line = read('gateway/src/cli.ts').split('\n')[0]!.slice(2);
    const envBin = line.slice(0, line.indexOf(' '));
    const arg = line.slice(envBin.length + 1).replace(/ node /, ` ${process.execPath} `);
    const out = execFileSync(envBin, [arg, '-p', 'JSON.stringify({ env: process.env, limit: require("node:v8").getHeapStatistics().heap_size_limit })'], { encoding: 'utf8' });
    const seen = JSON.parse(out) as { env: Record<string, string>; limit: number };
    for (const [k, v] of Object.entries(RUNTIME_ENV)) expect(seen.env[k]).toBe(v);
    // --max-old-space-size=1024 took effect: the whole heap's limit is old space plus new space.
    const oldSpaceMiB = Number(/--max-old-space-size=(\d+)/.exec(RUNTIME_NODE_FLAGS.join(' '))![1]);
    expect(seen.limit / 2 ** 20).toBeGreaterThanOrEqual(oldSpaceMiB);
    expect(seen.limit / 2 ** 20).toBeLessThan(oldSpaceMiB + 128);
  });
});
