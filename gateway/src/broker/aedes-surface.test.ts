/**
 * The broker uses aedes' public surface only (hooks, events, `handle()`, a persistence passed
 * in); what truly needs an internal lives in aedes-internals.ts alone. This fails when another
 * file reaches into aedes again (the private fields used before: a client's `_parser` and
 * `will`, the broker's `clients` and `persistence`).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const PRIVATE = [/\b_parser\b/, /\{ clients\?:/, /\baedes\??\.clients\b/, /\bclient\)?\.will\b/, /\{ will\?/, /\)\.persistence\b/, /\bpersistence: object\b/];

describe('the broker on aedes\' public surface', () => {
  const files = readdirSync(here).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'aedes-internals.ts');
  it.each(files)('%s reaches into no aedes internal', (file) => {
    const source = readFileSync(join(here, file), 'utf8');
    for (const pattern of PRIVATE) expect(source, `${file} matches ${pattern}`).not.toMatch(pattern);
  });
});
