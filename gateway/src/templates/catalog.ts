/**
 * The template catalog: loads every template folder at start, serves them by
 * id and, with `watch: true`, hot-reloads a folder when its files change. A
 * broken edit is refused (logged, kept in errors()) and the previous version
 * keeps serving.
 */
import { existsSync, watch, type FSWatcher } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { Logger } from 'pino';
import { defaultTemplatesDir, loadAll, loadTemplateDir, type TemplateProblem } from './load.js';
import type { Template } from './schema.js';

export interface TemplateCatalog {
  start(): Promise<void>;
  stop(): Promise<void>;
  get(id: string): Template | undefined;
  list(): Template[];
  errors(): TemplateProblem[];
  on(event: 'change', fn: (ids: string[]) => void): void;
}

export interface TemplateCatalogOptions { dir?: string; watch?: boolean; debounceMs?: number }

export function createTemplateCatalog(opts: TemplateCatalogOptions, deps: { log: Logger }): TemplateCatalog {
  const dir = opts.dir ?? defaultTemplatesDir();
  const log = deps.log.child({ component: 'templates' });
  const byFolder = new Map<string, Template>();
  const problems = new Map<string, TemplateProblem>();
  const listeners: ((ids: string[]) => void)[] = [];
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  const pending = new Set<string>();
  let reloading: Promise<void> = Promise.resolve();

  // A template's id equals its folder name (checked at load), so folders key by id.
  const byId = (id: string): Template | undefined => byFolder.get(id);

  const emit = (ids: string[]): void => {
    for (const fn of listeners) {
      try { fn(ids); } catch (err) { log.error({ err }, 'template change listener failed'); }
    }
  };

  async function reload(folders: string[]): Promise<void> {
    const changed: string[] = [];
    for (const folder of folders) {
      const path = join(dir, folder);
      if (!existsSync(path)) {
        const old = byFolder.get(folder);
        problems.delete(folder);
        if (old && byFolder.delete(folder)) { changed.push(old.id); log.info({ template: old.id }, 'template removed'); }
        continue;
      }
      const r = await loadTemplateDir(path);
      if (!r.ok) {
        problems.set(folder, r.problem);
        log.error({ template: folder, problems: r.problem.problems }, byFolder.has(folder) ? 'template edit refused; previous version keeps serving' : 'template refused');
        continue;
      }
      const t = r.loaded.template;
      const clash = [...byFolder.entries()].find(([f, x]) => f !== folder && x.id === t.id);
      if (clash) {
        problems.set(folder, { id: t.id, file: path, problems: [`${path}: id: duplicate template id, also in ${join(dir, clash[0])}`] });
        continue;
      }
      problems.delete(folder);
      byFolder.set(folder, t);
      changed.push(t.id);
      log.info({ template: t.id }, 'template loaded');
    }
    if (changed.length > 0) emit(changed);
  }

  function onFsEvent(_event: string, filename: string | Buffer | null): void {
    if (filename === null) return;
    const rel = relative(dir, join(dir, filename.toString()));
    const folder = rel.split(sep)[0];
    if (!folder || folder.startsWith('.') || folder === 'node_modules' || folder.includes('.')) return;
    pending.add(folder);
    clearTimeout(timer);
    timer = setTimeout(() => {
      const folders = [...pending];
      pending.clear();
      reloading = reloading.then(() => reload(folders)).catch((err: unknown) => log.error({ err }, 'template reload failed'));
    }, opts.debounceMs ?? 100);
  }

  return {
    async start() {
      const { loaded, problems: bad } = await loadAll(dir);
      for (const l of loaded) byFolder.set(l.dir.split(/[\\/]/).pop() ?? l.template.id, l.template);
      for (const p of bad) {
        problems.set(relative(dir, p.file).split(sep)[0] ?? p.file, p);
        log.error({ template: p.id, problems: p.problems }, 'template refused');
      }
      log.info({ dir, templates: byFolder.size, invalid: bad.length }, 'templates loaded');
      if (opts.watch) {
        watcher = watch(dir, { recursive: true }, onFsEvent);
        watcher.on('error', (err) => log.warn({ err }, 'template watcher error'));
      }
    },
    async stop() {
      clearTimeout(timer);
      watcher?.close();
      watcher = undefined;
      await reloading;
    },
    get: byId,
    list: () => [...byFolder.values()].sort((a, b) => a.id.localeCompare(b.id)),
    errors: () => [...problems.values()],
    on(_event, fn) { listeners.push(fn); },
  };
}
