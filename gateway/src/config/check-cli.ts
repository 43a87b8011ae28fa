/**
 * `campus-gateway config check [--hub] FILE` (and `campus-gateway hub config check FILE`): the
 * config loaded with the same environment as `start`, then the same preflight (preflight.ts), so
 * what passes here starts. Prints `FILE: ok` (or what runs open with `insecure: true`) and warnings;
 * a problem is a ConfigError / InsecureConfigError for the CLI to print (exit 1).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadHubConfig } from '../hub/config.js';
import { defaultTemplatesDir, loadAll } from '../templates/load.js';
import { loadConfigFile } from './load.js';
import { resolveStatePaths } from './paths.js';
import { preflight, preflightHub, type PreflightTemplates } from './preflight.js';

export interface CheckIo {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

export const CONFIG_CHECK_USAGE = 'usage: campus-gateway config check [--hub] FILE';

/** The templates start-up would load: `templatesDir` or the bundled catalog. */
async function loadTemplates(templatesDir: string | undefined): Promise<{ templates: PreflightTemplates; invalid: number }> {
  const dir = templatesDir === undefined ? defaultTemplatesDir() : resolve(templatesDir);
  if (!existsSync(dir)) return { templates: { get: () => undefined, list: () => [] }, invalid: 0 };
  const { loaded, problems } = await loadAll(dir);
  const byId = new Map(loaded.map((l) => [l.template.id, l.template] as const));
  return { templates: { get: (id) => byId.get(id), list: () => [...byId.values()] }, invalid: problems.length };
}

export async function runConfigCheckCli(args: string[], io: CheckIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { hub: { type: 'boolean', default: false } }, allowPositionals: true });
  const file = positionals[0];
  if (!file || positionals.length > 1) {
    io.err.write(`${CONFIG_CHECK_USAGE}\n`);
    return 2;
  }
  if (values.hub) {
    preflightHub(loadHubConfig(file, io.env), file);
    io.out.write(`${file}: ok\n`);
    return 0;
  }
  const config = loadConfigFile(file, io.env);
  const { templates, invalid } = await loadTemplates(config.templatesDir);
  const { open, warnings } = preflight(config, { file, templates, paths: resolveStatePaths(config) });
  if (invalid > 0) warnings.push(`templates: ${invalid} template folder(s) refused; \`campus-gateway templates check\` says why`);
  for (const w of warnings) io.err.write(`${file}: warning: ${w}\n`);
  io.out.write(open.length === 0 ? `${file}: ok\n` : `${file}: ok, but insecure: true and open: ${open.map((o) => o.text).join('; ')}\n`);
  return 0;
}
