/**
 * `campus-gateway templates docs [--out DIR] [--check]`: writes the device catalog
 * (docs/devices/ by default) from the templates, or with --check reports the pages
 * that differ from what is on disk (exit 1), which CI uses to keep the catalog current.
 */
import { mkdir, readFile, readdir, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { catalogPages } from './docs-page.js';
import { defaultTemplatesDir, loadAll } from './load.js';
import { GatewayError } from '../errors.js';

export function defaultCatalogDir(templatesDir: string = defaultTemplatesDir()): string {
  return resolve(templatesDir, '..', 'docs', 'devices');
}

async function readOr(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Pages that are missing, differ, or are left over from a removed template. */
export async function staleCatalogPages(templatesDir: string, outDir: string): Promise<{ pages: Map<string, string>; stale: string[]; extra: string[] }> {
  const { loaded, problems } = await loadAll(templatesDir);
  if (problems.length > 0) throw new GatewayError('GW_ERR_TEMPLATES_INVALID', `templates docs: ${problems.length} template(s) are invalid; run \`campus-gateway templates check\` first`);
  const pages = catalogPages(loaded);
  const stale: string[] = [];
  for (const [name, text] of pages) if ((await readOr(join(outDir, name))) !== text) stale.push(name);
  const onDisk = await readdir(outDir).catch(() => [] as string[]);
  const extra = onDisk.filter((f) => f.endsWith('.md') && !pages.has(f));
  return { pages, stale, extra };
}

export async function runTemplatesDocsCli(args: string[], out: NodeJS.WritableStream): Promise<number> {
  const { values } = parseArgs({ args, options: { out: { type: 'string' }, dir: { type: 'string' }, check: { type: 'boolean', default: false } } });
  const templatesDir = values.dir ?? defaultTemplatesDir();
  const outDir = values.out ?? defaultCatalogDir(templatesDir);
  const { pages, stale, extra } = await staleCatalogPages(templatesDir, outDir);
  if (values.check) {
    if (stale.length === 0 && extra.length === 0) {
      out.write(`${outDir}: ${pages.size} pages, current\n`);
      return 0;
    }
    out.write(`${outDir} is out of date (run \`npx campus-gateway templates docs\`):\n`);
    for (const f of stale) out.write(`  changed or missing: ${f}\n`);
    for (const f of extra) out.write(`  no longer generated: ${f}\n`);
    return 1;
  }
  await mkdir(outDir, { recursive: true });
  for (const f of stale) await writeFile(join(outDir, f), pages.get(f)!);
  for (const f of extra) await unlink(join(outDir, f));
  out.write(`${outDir}: ${pages.size} pages (${stale.length} written, ${extra.length} removed)\n`);
  return 0;
}
