/**
 * Every package a workspace imports is declared in its package.json, and every package it
 * declares is used (issue #18 item 6: `@influxdata/influxdb-client` was declared and imported
 * nowhere; `esbuild` ran the web build undeclared). Tools every workspace shares (TypeScript,
 * vitest, eslint, tsx, playwright-core, fast-check, @types/*) are the root's devDependencies.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const SKIP_DIRS = new Set(['node_modules', 'dist', '.git']);
const SOURCE = /\.(ts|mts|js|mjs)$/;
/** Static and dynamic imports, `require(…)` and `import '…'` of a bare specifier, and `….resolve('PKG/package.json')`. */
const SPECIFIER = /(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*|^import\s+|\.resolve\(\s*(?='[^']*\/package\.json'))'([a-z@][^']*)'/gm;

function files(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (SKIP_DIRS.has(name)) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) files(p, out);
    else if (SOURCE.test(name) && name !== 'app.js') out.push(p); // gateway/web/app.js is the bundle esbuild makes
  }
  return out;
}

function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('node:')) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

type Manifest = { name: string; dependencies?: Record<string, string>; optionalDependencies?: Record<string, string>; devDependencies?: Record<string, string> };
const read = (p: string) => JSON.parse(readFileSync(p, 'utf8')) as Manifest;
const rootManifest = read(join(root, 'package.json'));
const shared = new Set(Object.keys(rootManifest.devDependencies ?? {}));
const NODE_BUILTINS = new Set(['fs', 'path', 'url', 'os', 'crypto', 'events', 'stream', 'util', 'net', 'http', 'https', 'tls', 'child_process', 'module', 'zlib', 'assert', 'buffer', 'readline', 'timers', 'worker_threads']);

describe.each(['gateway', 'firmware-sim', 'device-templates', 'dashboards'])('%s/package.json', (workspace) => {
  const manifest = read(join(root, workspace, 'package.json'));
  const declared = new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.optionalDependencies ?? {}), ...Object.keys(manifest.devDependencies ?? {})]);
  const used = new Map<string, string>();
  for (const file of files(join(root, workspace))) {
    for (const m of readFileSync(file, 'utf8').matchAll(SPECIFIER)) {
      const pkg = packageOf(m[1]!);
      if (pkg !== undefined && !NODE_BUILTINS.has(pkg) && pkg !== manifest.name) used.set(pkg, file.slice(root.length));
    }
  }

  it('declares every package it imports (or the root does, for a shared tool)', () => {
    const undeclared = [...used].filter(([pkg]) => !declared.has(pkg) && !shared.has(pkg)).map(([pkg, file]) => `${pkg} (${file})`);
    expect(undeclared).toEqual([]);
  });

  it('imports every package it declares (types packages: their runtime package)', () => {
    const unused = [...declared].filter((pkg) => {
      const runtime = pkg.startsWith('@types/') ? pkg.slice('@types/'.length) : pkg;
      return !used.has(pkg) && !used.has(runtime);
    });
    expect(unused).toEqual([]);
  });
});
