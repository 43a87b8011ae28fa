/**
 * De-identification at ingest: every value of a field marked `id` in its template
 * (student card, band, pen, clicker …), the same-named tag, and the `person` tag
 * are replaced by a keyed pseudonym, HMAC-SHA256(key, value), before anything is
 * stored in a shared store or leaves the gateway. The same value always gives the
 * same pseudonym while the key file is kept; without the key it cannot be reversed
 * or recomputed. `health` fields are left as they are here: they stay in the
 * school's store and leave only inside aggregates (summaries) over enough people.
 * The clear values are not remembered: the uplink guard checks outbound messages by
 * their structure (outbound-schema.ts), not by looking for values a device sent.
 */
import { createHmac } from 'node:crypto';
import type { Logger } from 'pino';
import type { Reading } from '../core/reading.js';
import { loadOrCreateKey } from './key-file.js';
import { privateFieldNames, type TemplateLike } from './template-like.js';
import { gwError } from '../errors.js';

export const PERSON_TAG = 'person';
/** `p-` + 24 hex digits (96 bits of the HMAC). */
export const PSEUDONYM_PATTERN = /^p-[0-9a-f]{24}$/;

export interface PseudonymizerOptions {
  keyFile: string;
}

export interface Pseudonymizer {
  start(): Promise<void>;
  stop(): Promise<void>;
  pseudonym(value: string): string;
  /** Returns new readings with every `id` field, same-named tag and `person` tag pseudonymized. */
  deidentify(readings: readonly Reading[], template: TemplateLike): Reading[];
  /** As deidentify, but changes the readings given (ingest owns them): no copies on the hot path. */
  deidentifyInPlace(readings: Reading[], template: TemplateLike): Reading[];
}

export function createPseudonymizer(options: PseudonymizerOptions, deps: { log: Logger }): Pseudonymizer {
  const log = deps.log.child({ component: 'pseudonymizer' });
  const idFields = new Map<string, string[]>();
  // Pens send ~100 points/s each: remember recent pseudonyms instead of an HMAC per point.
  const cache = new Map<string, string>();
  let key: Buffer | undefined;

  function pseudonym(value: string): string {
    if (key === undefined) throw gwError('GW_ERR_PSEUDONYM_KEY', 'the pseudonymizer is not started');
    let p = cache.get(value);
    if (p === undefined) {
      p = `p-${createHmac('sha256', key).update(value, 'utf8').digest('hex').slice(0, 24)}`;
      if (cache.size >= 10_000) cache.clear();
      cache.set(value, p);
    }
    return p;
  }

  function replace(value: string): string {
    // Idempotent: a value that already is one of our pseudonyms is kept.
    if (PSEUDONYM_PATTERN.test(value)) return value;
    return pseudonym(value);
  }

  function fieldsOf(template: TemplateLike): string[] {
    let names = idFields.get(template.id);
    if (names === undefined) {
      names = privateFieldNames(template, 'id');
      idFields.set(template.id, names);
    }
    return names;
  }

  /**
   * Replaces id fields, id tags and the person tag in the readings themselves (the caller owns
   * them). The readings of one message usually carry one identifier (a pen's 100 points): it is
   * looked up once, not per reading.
   */
  function deidentifyInPlace(readings: Reading[], template: TemplateLike): Reading[] {
    const names = fieldsOf(template);
    let lastIn: string | undefined;
    let lastOut = '';
    const swap = (value: string): string => {
      if (value !== lastIn) {
        lastIn = value;
        lastOut = replace(value);
      }
      return lastOut;
    };
    for (const r of readings) {
      const { fields, tags } = r;
      for (const name of names) {
        const v = fields[name];
        if (v !== undefined) fields[name] = swap(typeof v === 'string' ? v : String(v));
        const t = tags[name];
        if (t !== undefined) tags[name] = swap(t);
      }
      const person = tags[PERSON_TAG];
      if (person !== undefined) tags[PERSON_TAG] = swap(person);
    }
    return readings;
  }

  return {
    async start() {
      const loaded = loadOrCreateKey(options.keyFile);
      key = loaded.key;
      if (loaded.created) log.info({ keyFile: options.keyFile }, 'created a new pseudonym key');
      if (loaded.tightened) log.warn({ keyFile: options.keyFile }, 'pseudonym key file was readable by others; mode set to 0600');
    },
    async stop() {
      key?.fill(0);
      key = undefined;
      cache.clear();
    },
    pseudonym,
    deidentify(readings, template) {
      return deidentifyInPlace(readings.map((r) => ({ ...r, fields: { ...r.fields }, tags: { ...r.tags } })), template);
    },
    deidentifyInPlace,
  };
}
