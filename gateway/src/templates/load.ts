/**
 * Reads template folders from disk: `<dir>/<id>/template.yaml` (or .json),
 * `samples.yaml`, optional decoder. Runs both validation passes and the samples.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { attachDecoder, loadDecoder } from './custom-decoder.js';
import { checkSamples, samplesSchema, type Samples } from './samples.js';
import type { Template } from './schema.js';
import { validateTemplate, zodProblems } from './validate.js';

export interface TemplateProblem { id?: string; file: string; problems: string[] }
export interface LoadedTemplate { template: Template; dir: string; samples: Samples }
export type LoadResult = { ok: true; loaded: LoadedTemplate } | { ok: false; problem: TemplateProblem };

const TEMPLATE_FILES = ['template.yaml', 'template.yml', 'template.json'];

/** The @campus-gateway/device-templates package directory. */
export function defaultTemplatesDir(): string {
  return dirname(createRequire(import.meta.url).resolve('@campus-gateway/device-templates/package.json'));
}

async function readDoc(file: string): Promise<{ ok: true; doc: unknown } | { ok: false; problem: string }> {
  try {
    const text = await readFile(file, 'utf8');
    return { ok: true, doc: file.endsWith('.json') ? JSON.parse(text) : parseYaml(text) };
  } catch (err) {
    return { ok: false, problem: `${file}: cannot be read as ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}` };
  }
}

/** Loads and validates one template folder (both passes, then every sample). */
export async function loadTemplateDir(dir: string): Promise<LoadResult> {
  const id = dir.split(/[\\/]/).filter(Boolean).pop() ?? dir;
  const name = TEMPLATE_FILES.find((f) => existsSync(join(dir, f)));
  if (name === undefined) return { ok: false, problem: { id, file: dir, problems: [`${dir}: no template.yaml or template.json`] } };
  const file = join(dir, name);
  const read = await readDoc(file);
  if (!read.ok) return { ok: false, problem: { id, file, problems: [read.problem] } };
  const v = validateTemplate(read.doc, file);
  if (!v.ok) return { ok: false, problem: { id, file, problems: v.problems } };
  const t = v.template;
  const problems: string[] = [];
  if (t.id !== id) problems.push(`${file}: id: ${JSON.stringify(t.id)} should equal its folder name ${JSON.stringify(id)}`);
  if (t.decoder !== undefined) {
    const bad = t.decoder.includes('..') || t.decoder.includes('/') || t.decoder.includes('\\');
    if (bad || !existsSync(join(dir, t.decoder))) problems.push(`${file}: decoder: ${t.decoder} is not a file in ${dir}`);
    else {
      const decode = await loadDecoder(dir, t.decoder);
      if (typeof decode === 'string') problems.push(`${file}: decoder: ${decode}`);
      else attachDecoder(t, decode);
    }
  }
  if (problems.length > 0) return { ok: false, problem: { id, file, problems } };
  const samplesFile = join(dir, 'samples.yaml');
  const sr = await readDoc(samplesFile);
  if (!sr.ok) return { ok: false, problem: { id, file, problems: [...problems, sr.problem] } };
  const sp = samplesSchema.safeParse(sr.doc);
  if (!sp.success) return { ok: false, problem: { id, file, problems: [...problems, ...zodProblems(samplesFile, sp.error)] } };
  problems.push(...checkSamples(t, sp.data, samplesFile));
  if (problems.length > 0) return { ok: false, problem: { id, file, problems } };
  return { ok: true, loaded: { template: t, dir, samples: sp.data } };
}

/** The template folders under a directory (those holding a template file). */
export async function templateDirs(root: string): Promise<string[]> {
  const entries = await readdir(root, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules')
    .map((e) => join(root, e.name))
    .filter((d) => TEMPLATE_FILES.some((f) => existsSync(join(d, f))) || existsSync(join(d, 'samples.yaml')))
    .sort();
}

export async function loadAll(root: string): Promise<{ loaded: LoadedTemplate[]; problems: TemplateProblem[] }> {
  const results = await Promise.all((await templateDirs(root)).map((d) => loadTemplateDir(d)));
  const loaded: LoadedTemplate[] = [];
  const problems: TemplateProblem[] = [];
  const ids = new Map<string, string>();
  for (const r of results) {
    if (!r.ok) { problems.push(r.problem); continue; }
    const prev = ids.get(r.loaded.template.id);
    if (prev) { problems.push({ id: r.loaded.template.id, file: r.loaded.dir, problems: [`${r.loaded.dir}: id: duplicate template id, also in ${prev}`] }); continue; }
    ids.set(r.loaded.template.id, r.loaded.dir);
    loaded.push(r.loaded);
  }
  return { loaded, problems };
}
