/**
 * The lookup the capture runs per reading: template → identifier value → the
 * roster entries of the sessions still capturing. A reading is looked up only by
 * its template's identifier fields (roster.ts), so a pen's 100 points a second cost
 * one map lookup each when no roster names the template, and two when one does.
 */
import type { Reading } from '../core/reading.js';
import type { BoundRosterEntry } from './schema.js';

export interface CaptureTarget<S> {
  session: S;
  entry: BoundRosterEntry;
}

interface TemplateIndex<S> {
  idFields: readonly string[];
  byValue: Map<string, Array<CaptureTarget<S>>>;
}

export interface CaptureIndex<S> {
  readonly size: number;
  /** The identifier fields of the reading's template, when some roster names that template. */
  idFieldsOf(template: string): readonly string[] | undefined;
  /** The roster entries the reading belongs to (each once). */
  match(r: Reading): ReadonlyArray<CaptureTarget<S>>;
}

export interface CaptureIndexOptions<S> {
  sessions: Iterable<{ session: S; roster: readonly BoundRosterEntry[] }>;
  identityFields(template: string): readonly string[];
  /** The privacy layer's pseudonym of a clear id: readings reach listeners de-identified. */
  pseudonym?: ((value: string) => string) | undefined;
}

const NONE: readonly never[] = Object.freeze([]);

export function buildCaptureIndex<S>(options: CaptureIndexOptions<S>): CaptureIndex<S> {
  const byTemplate = new Map<string, TemplateIndex<S>>();
  for (const { session, roster } of options.sessions) {
    for (const entry of roster) {
      let t = byTemplate.get(entry.template);
      if (!t) {
        t = { idFields: options.identityFields(entry.template), byValue: new Map() };
        byTemplate.set(entry.template, t);
      }
      // A template without an identifier field (unloaded since) can match nothing.
      if (t.idFields.length === 0) continue;
      const keys = new Set([entry.device, ...(options.pseudonym ? [options.pseudonym(entry.device)] : [])]);
      for (const k of keys) t.byValue.set(k, [...(t.byValue.get(k) ?? []), { session, entry }]);
    }
  }
  return {
    size: byTemplate.size,
    idFieldsOf: (template) => byTemplate.get(template)?.idFields,
    match(r) {
      const t = byTemplate.get(r.template);
      if (!t) return NONE;
      let out: Array<CaptureTarget<S>> | undefined;
      for (const f of t.idFields) {
        const v = r.fields[f] ?? r.tags[f];
        if (typeof v !== 'string') continue;
        for (const target of t.byValue.get(v) ?? []) {
          out ??= [];
          if (!out.some((o) => o.entry === target.entry)) out.push(target);
        }
      }
      return out ?? NONE;
    },
  };
}
