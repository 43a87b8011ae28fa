/**
 * Reading docker-compose files as `docker compose` does, for the compose tests: YAML with merge
 * keys (`<<: *anchor`), paths relative to the file's directory, `${VAR…}` interpolation and
 * `$$` escapes, short-syntax volumes whose source may itself be a variable.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { expect } from 'vitest';
import { repoRoot } from '../kit/index.js';

export interface Healthcheck { test?: string[]; disable?: boolean; interval?: string; timeout?: string; retries?: number }
export interface Service {
  build?: { context: string; dockerfile: string };
  image?: string;
  command?: string[];
  hostname?: string;
  volumes?: string[];
  env_file?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }> | string[];
  ports?: string[];
  healthcheck?: Healthcheck;
  networks?: Record<string, { aliases?: string[] }>;
}
export interface Compose { name?: string; services: Record<string, Service>; volumes?: Record<string, unknown> }
export interface ComposeFile { file: string; dir: string; text: string; doc: Compose }
export interface Mount { source: string; target: string; mode?: string; kind: 'repo' | 'variable' | 'volume' }

export function loadCompose(file: string): ComposeFile {
  const text = readFileSync(join(repoRoot, file), 'utf8');
  return { file, dir: dirname(file), text, doc: parseYaml(text, { merge: true }) as Compose };
}

/** A short-syntax volume; a source `${VAR:?message}` is a file the operator supplies. */
export function mount(spec: string): Mount {
  let source: string;
  let rest: string;
  if (spec.startsWith('${')) {
    const end = spec.indexOf('}');
    const after = spec.slice(end + 1);
    const colon = after.indexOf(':');
    source = spec.slice(0, end + 1) + after.slice(0, colon);
    rest = after.slice(colon + 1);
  } else {
    source = spec.slice(0, spec.indexOf(':'));
    rest = spec.slice(spec.indexOf(':') + 1);
  }
  const [target = '', mode] = rest.split(':');
  const kind = source.startsWith('${') ? 'variable' : /^[./]/.test(source) ? 'repo' : 'volume';
  return { source, target, ...(mode ? { mode } : {}), kind };
}

/** A repo-relative path for a path written relative to the compose file. */
export const inRepo = (c: ComposeFile, path: string) => relative(repoRoot, join(repoRoot, c.dir, path)) || '.';

/** `${NAME}`, `${NAME:?message}`, `${NAME:-default}` in the file's values (comments dropped). */
export function variables(c: ComposeFile): Array<{ name: string; op: string; word: string }> {
  const values = c.text.split('\n').filter((l) => !/^\s*#/.test(l)).join('\n').replaceAll('$$', '');
  const bare = values.match(/\$(?!\{)/g);
  expect(bare, `${c.file}: a $ that is neither $$ nor \${…}`).toBeNull();
  return [...values.matchAll(/\$\{(\w+)(?:(:?[?-])([^}]*))?\}/g)].map((m) => ({ name: m[1]!, op: m[2] ?? '', word: m[3] ?? '' }));
}

export function envFile(c: ComposeFile, file: string): Record<string, string> {
  return Object.fromEntries(readFileSync(join(repoRoot, inRepo(c, file)), 'utf8').split('\n')
    .filter((l) => /^[A-Z_][A-Z0-9_]*=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

/** Every mount of a repository path exists, every named volume is declared, targets are absolute. */
export function expectMountsExist(c: ComposeFile): void {
  for (const [name, s] of Object.entries(c.doc.services)) {
    for (const v of s.volumes ?? []) {
      const m = mount(v);
      if (m.kind === 'repo') expect(existsSync(join(repoRoot, inRepo(c, m.source))), `${c.file} ${name}: ${m.source}`).toBe(true);
      if (m.kind === 'volume') expect(c.doc.volumes, `${c.file} ${name}: volume ${m.source}`).toHaveProperty(m.source);
      if (m.kind === 'variable') expect(m.source, `${c.file} ${name}: ${m.source} must be required, with a message`).toMatch(/^\$\{\w+:\?[^}]+\}/);
      expect(m.target.startsWith('/'), `${c.file} ${name}: ${v}`).toBe(true);
    }
    for (const f of s.env_file ?? []) expect(existsSync(join(repoRoot, inRepo(c, f))), `${c.file} ${name}: ${f}`).toBe(true);
    if (s.build) expect(existsSync(join(repoRoot, inRepo(c, s.build.context), s.build.dockerfile)), `${c.file} ${name}: build`).toBe(true);
  }
}

/** Every dependency waits for a service that has a healthcheck of its own. */
export function expectHealthyDependencies(c: ComposeFile): void {
  for (const [name, s] of Object.entries(c.doc.services)) {
    if (!s.depends_on) continue;
    expect(Array.isArray(s.depends_on), `${c.file} ${name}: depends_on with conditions`).toBe(false);
    for (const [dep, how] of Object.entries(s.depends_on)) {
      expect(how, `${c.file} ${name} -> ${dep}`).toEqual({ condition: 'service_healthy' });
      const check = c.doc.services[dep]?.healthcheck;
      expect(check?.test?.length, `${c.file} ${dep}: a healthcheck`).toBeGreaterThan(1);
      expect(check?.disable, `${c.file} ${dep}: healthcheck enabled`).not.toBe(true);
    }
  }
}

/** The Dockerfile's VOLUME: where the image's non-root user owns its data directory. */
export function imageDataVolume(): string {
  const text = readFileSync(join(repoRoot, 'edge/site/Dockerfile'), 'utf8');
  return /^VOLUME (\S+)$/m.exec(text)![1]!;
}
