import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RUNTIME_ENV, RUNTIME_ENV_WORDS } from './runtime-env.js';

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
    for (const word of RUNTIME_ENV_WORDS) {
      expect(shebang).toMatch(new RegExp(`^#!/usr/bin/env -S .*\\b${word} node$`));
      expect(binShebang).toBe(shebang);
      expect(start).toContain(`${word} node gateway/dist/cli.js`);
      expect(unit).toContain(`\nEnvironment=${word}\n`);
      expect(dockerfile).toContain(`\nENV ${word}\n`);
    }
  });

  it('reaches node through the command line `env -S` form of the shebang', () => {
    // The kernel hands `env` everything after it on the `#!` line as one argument.
    const line = read('gateway/src/cli.ts').split('\n')[0]!.slice(2);
    const envBin = line.slice(0, line.indexOf(' '));
    const arg = line.slice(envBin.length + 1).replace(/ node$/, ` ${process.execPath}`);
    const out = execFileSync(envBin, [arg, '-p', 'JSON.stringify(process.env)'], { encoding: 'utf8' });
    const seen = JSON.parse(out) as Record<string, string>;
    for (const [k, v] of Object.entries(RUNTIME_ENV)) expect(seen[k]).toBe(v);
  });
});
