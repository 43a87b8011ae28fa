/**
 * Who may be on a class session's roster, decided from template data, and which
 * readings are a roster device's. Pure.
 *
 * A roster line names one device the school registered for one student: provisioned
 * (in the config or by an admin through `POST /api/devices`), bound to a `person`,
 * and of a template that declares a field of privacy class `id` (smart-pen `pen`,
 * student-wristband `band`, response-clicker `clicker_id`, a card). A room, a
 * building, an answer letter (no such device), a base station or receiver (a
 * template without such a field, or registered under the band's template but bound
 * to nobody), a device only seen on the broker: none is a student's, and the line
 * is refused.
 *
 * A reading is the roster device's when it comes from the device's template and
 * that template's identifier field carries the device's id (in clear, or as the
 * privacy layer's pseudonym of it). Nothing else matches: not the device id of the
 * relay that forwarded it, not a room tag, not a clicker's `choice`.
 */
import type { Reading } from '../core/reading.js';
import { PERSON_TAG } from '../privacy/pseudonymizer.js';
import { privateFieldNames, type TemplateLike } from '../privacy/template-like.js';
import type { BoundRosterEntry, RosterEntry } from './schema.js';

export interface RosterLookup {
  /** The registry's device (only a `provisioned` one was registered by the school; `person` binds it to a student). */
  device(id: string): { template: string; provisioned: boolean; person?: string | undefined } | undefined;
  template(id: string): TemplateLike | undefined;
}

/** The fields that bind a reading of this template to one student (privacy class `id`). */
export function identityFields(template: TemplateLike | undefined): string[] {
  return template ? privateFieldNames(template, 'id') : [];
}

export const NOT_PERSONAL = 'not a device the school registered for one student: a pen, wristband, clicker or card, '
  + 'not a room, building, base station, receiver or answer';

/** Binds each roster line to its registered device's template, or names every line refused (1-based). */
export function bindRoster(roster: readonly RosterEntry[], lookup: RosterLookup): { entries: BoundRosterEntry[]; problems: string[]; refused: Array<{ line: number; reason: 'unknown_device' }> } {
  const entries: BoundRosterEntry[] = [];
  const problems: string[] = [];
  const refused: Array<{ line: number; reason: 'unknown_device' }> = [];
  roster.forEach((r, i) => {
    const d = lookup.device(r.device);
    // One answer for "unknown", "seen but not registered" and "not personal": a refusal
    // tells the caller nothing about a device it cannot put on a roster.
    if (!d || !d.provisioned || !d.person || identityFields(lookup.template(d.template)).length === 0) {
      problems.push(`roster line ${i + 1}: ${NOT_PERSONAL}`);
      refused.push({ line: i + 1, reason: 'unknown_device' });
    } else entries.push({ device: r.device, student: r.student, template: d.template });
  });
  return { entries, problems, refused };
}

/**
 * What a session keeps of a captured reading: the identifier fields (and same-named
 * tags) and the `person` tag are left out, since the roster line already names the
 * device; so an export is no pseudonym <-> clear id table.
 */
export function withoutIdentity(r: Reading, idFields: readonly string[]): Reading {
  // Copied key by key (no `delete`, which turns an object into a slow dictionary): a pen sends ~100 points/s.
  const fields: Reading['fields'] = {};
  for (const k in r.fields) if (!idFields.includes(k)) fields[k] = r.fields[k]!;
  const tags: Reading['tags'] = {};
  for (const k in r.tags) if (k !== PERSON_TAG && !idFields.includes(k)) tags[k] = r.tags[k]!;
  const out: Reading = { template: r.template, device: r.device, ts: r.ts, fields, tags };
  if (r.event !== undefined) out.event = r.event;
  return out;
}
