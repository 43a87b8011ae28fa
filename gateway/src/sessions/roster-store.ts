/**
 * Rosters saved per teacher and class, to reuse next lesson (`GET/PUT /api/rosters/:class`).
 * A teacher sees and overwrites only their own; admin has their own too (rosters are not
 * shared: a saved roster names children).
 *
 * With `file` (the data directory's `rosters.json`, see config/paths.ts) the rosters are
 * written there (mode 0600, through a temporary file and a rename, so a crash leaves the old
 * file or the new one); memory only when absent. A file that cannot be read is kept aside as
 * `<file>.bad-<time>` and the store starts empty: saved rosters are a convenience, never a
 * reason the gateway does not start.
 */
import { existsSync, readFileSync, renameSync } from 'node:fs';
import type { Logger } from 'pino';
import { z } from 'zod';
import { writeFileAtomicSync } from '../lib/atomic-file.js';
import { rosterEntrySchema } from './schema.js';

export const savedRosterSchema = z.object({
  class: z.string(),
  roster: z.array(rosterEntrySchema),
  savedAt: z.string(),
});
export type SavedRoster = z.output<typeof savedRosterSchema>;

const fileSchema = z.object({ version: z.literal(1), rosters: z.record(z.string(), z.record(z.string(), savedRosterSchema)) });

export interface RosterStoreOptions { file?: string }
export interface RosterStoreDeps { log: Logger; now?: () => number }

export interface RosterStore {
  get(owner: string, cls: string): SavedRoster | undefined;
  put(owner: string, cls: string, roster: SavedRoster['roster']): SavedRoster;
}

export function createRosterStore(options: RosterStoreOptions, deps: RosterStoreDeps): RosterStore {
  const log = deps.log.child({ component: 'rosters' });
  const now = deps.now ?? Date.now;
  const byOwner = new Map<string, Map<string, SavedRoster>>();

  if (options.file && existsSync(options.file)) {
    try {
      const data = fileSchema.parse(JSON.parse(readFileSync(options.file, 'utf8')));
      for (const [owner, classes] of Object.entries(data.rosters)) byOwner.set(owner, new Map(Object.entries(classes)));
    } catch (err) {
      const aside = `${options.file}.bad-${now()}`;
      renameSync(options.file, aside);
      // The reason only: the file holds children's names.
      log.warn({ file: aside, reason: err instanceof Error ? err.name : 'unknown' }, 'saved rosters file unreadable, kept aside; starting with none');
    }
  }

  function persist(): void {
    if (!options.file) return;
    // fromEntries defines own keys: a class or token name `__proto__` is a key like any other.
    const rosters = Object.fromEntries([...byOwner].map(([owner, classes]) => [owner, Object.fromEntries(classes)]));
    writeFileAtomicSync(options.file, JSON.stringify({ version: 1, rosters }, null, 1));
  }

  return {
    get: (owner, cls) => byOwner.get(owner)?.get(cls),
    put(owner, cls, roster) {
      const saved: SavedRoster = { class: cls, roster: roster.map((r) => ({ device: r.device, student: r.student })), savedAt: new Date(now()).toISOString() };
      const classes = byOwner.get(owner) ?? new Map<string, SavedRoster>();
      classes.set(cls, saved);
      byOwner.set(owner, classes);
      persist();
      log.info({ lines: saved.roster.length }, 'roster saved');
      return saved;
    },
  };
}
