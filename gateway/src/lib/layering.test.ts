import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = fileURLToPath(new URL('..', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'))
    .map((e) => join(e.parentPath, e.name));
}

const importsOf = (file: string) => [...readFileSync(file, 'utf8').matchAll(/^(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)].map((m) => m[1]!);

describe('layering of the shared modules', () => {
  it('a shared module imports only Node, packages, other shared modules and src/errors.ts', () => {
    const bad: string[] = [];
    for (const file of sources(join(src, 'lib'))) {
      for (const spec of importsOf(file)) {
        if (!spec.startsWith('.')) continue;
        const target = join(file, '..', spec);
        if (!target.startsWith(join(src, 'lib')) && target !== join(src, 'errors.js')) bad.push(`${file.slice(src.length)} → ${spec}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('the hub takes nothing from the gateway layers that carry readings', () => {
    const layers = ['store', 'uplink', 'adapters', 'broker', 'pipeline', 'sessions', 'summaries'];
    const bad: string[] = [];
    for (const file of sources(join(src, 'hub'))) {
      for (const spec of importsOf(file)) {
        if (layers.some((l) => spec.startsWith(`../${l}/`))) bad.push(`${file.slice(src.length)} → ${spec}`);
      }
    }
    expect(bad).toEqual([]);
  });
});
