/**
 * Writes what is made from the config schemas: gateway/config.schema.json,
 * gateway/hub-config.schema.json, docs/configuration.md and the data-directory table of
 * gateway/src/config/README.md. `--check` writes nothing and exits 1 naming what is stale
 * (generate.test.ts runs the same comparison in CI).
 *   node --conditions=source --import tsx gateway/src/config/generate.ts [--check]
 * `npm run gen` runs it with the device-template generators.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gatewayConfigJsonSchema, hubConfigJsonSchema, jsonText } from './json-schema.js';
import { STATE_FILES_TABLE } from './paths.js';
import { configurationPage } from './reference.js';
import { gwError } from '../errors.js';

/** The repository root (this file is gateway/src/config/ or gateway/dist/config/). */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

const TABLE_START = '<!-- state-files:start (npm run gen) -->';
const TABLE_END = '<!-- state-files:end -->';

/** `text` with the part between the markers replaced by `table`. */
export function withStateTable(text: string, table = STATE_FILES_TABLE): string {
  const start = text.indexOf(TABLE_START);
  const end = text.indexOf(TABLE_END);
  if (start < 0 || end < start) throw gwError('GW_ERR_GENERATE', `the README has no ${TABLE_START} … ${TABLE_END} block`);
  return `${text.slice(0, start + TABLE_START.length)}\n${table}\n${text.slice(end)}`;
}

export function generatedFiles(root = repoRoot): Array<{ path: string; text: string }> {
  const gateway = gatewayConfigJsonSchema();
  const hub = hubConfigJsonSchema();
  const readme = join(root, 'gateway', 'src', 'config', 'README.md');
  return [
    { path: join(root, 'gateway', 'config.schema.json'), text: jsonText(gateway) },
    { path: join(root, 'gateway', 'hub-config.schema.json'), text: jsonText(hub) },
    { path: join(root, 'docs', 'configuration.md'), text: configurationPage(gateway, hub) },
    { path: readme, text: withStateTable(readFileSync(readme, 'utf8')) },
  ];
}

const readOr = (file: string): string | undefined => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
};

/** The generated files whose text on disk differs. */
export function staleFiles(root = repoRoot): string[] {
  return generatedFiles(root).filter((f) => readOr(f.path) !== f.text).map((f) => relative(root, f.path));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv.includes('--check')) {
    const stale = staleFiles();
    for (const f of stale) console.error(`stale: ${f} (run npm run gen)`);
    process.exitCode = stale.length > 0 ? 1 : 0;
  } else {
    for (const f of generatedFiles()) {
      if (readOr(f.path) === f.text) continue;
      writeFileSync(f.path, f.text);
      console.log(`wrote ${relative(repoRoot, f.path)}`);
    }
  }
}
