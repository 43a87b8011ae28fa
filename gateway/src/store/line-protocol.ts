/**
 * InfluxDB line protocol encoder (the hot path of the influx store).
 *
 * Escaping follows InfluxDB's line protocol reference ("Special characters"):
 * - measurement: comma and space;
 * - tag keys, tag values, field keys: comma, equals sign and space;
 * - string field values: double quote and backslash, value in double quotes.
 * Field values: floats as written, integers with a trailing `i`, booleans `true`/`false`.
 * "Line protocol does not support the newline character \n in tag or field values":
 * a newline (or carriage return) anywhere is rejected, never silently altered. The pipeline
 * refuses such readings before they are acknowledged (core/storable.ts, stricter than this
 * encoder), so a refusal here is a bug; it is counted by the store. A refusal's detail names the
 * key and the rule, never the value (it may be personal).
 * NaN and ±Infinity cannot be stored and are rejected with a reason.
 * Tags are sorted by key ("sort by tag key ... for best performance").
 * Timestamps are integer epoch milliseconds: write with `precision=ms`.
 *
 * Schema (docs/interfaces.md "Storage"): measurement = template id with `-` → `_`; tags `site`,
 * `device`, `template`, plus `building`, `room`, `person` where known, the reading's own
 * tags and `event` for event readings.
 */
import { measurementOf, type Reading } from '../core/reading.js';
import { MAX_TIMESTAMP_MS } from '../core/storable.js';
import { escapeKey, escapeMeasurement, LineReject, numberText, quoteString, type LineRejectReason } from '../lib/influx/line-escape.js';

export type { LineRejectReason };

export interface EncodeOptions {
  /** Field names written as integers (`42i`); other numbers are floats. */
  integerFields?: ReadonlySet<string>;
  /** Tags added to every line (`site`, `building`, `room`, `person`); undefined or empty values are left out. */
  extraTags?: Readonly<Record<string, string | undefined>>;
}

export type EncodeResult =
  | { ok: true; line: string }
  | { ok: false; reason: LineRejectReason; detail: string };

export { MAX_TIMESTAMP_MS };

function fieldValue(key: string, v: unknown, integer: boolean): string {
  if (typeof v === 'number') {
    if (Number.isNaN(v)) throw new LineReject('nan_field', `field ${key} is NaN`);
    if (!Number.isFinite(v)) throw new LineReject('infinite_field', `field ${key} is infinite`);
    if (!integer) return numberText(v);
    if (!Number.isInteger(v)) throw new LineReject('non_integer_field', `integer field ${key} has a fraction`);
    if (!Number.isSafeInteger(v)) throw new LineReject('integer_out_of_range', `integer field ${key} is beyond ±2^53 (not exact)`);
    return `${numberText(v)}i`;
  }
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'string') return quoteString(v);
  throw new LineReject('bad_field_type', `field ${key} has type ${typeof v}`);
}

/**
 * How to encode readings of one shape (template, tag keys, extra tag keys, field keys):
 * the sorted tag slots and field keys escaped once, checked on each reading
 * by comparing key lists (no sort, no escaping of names on the hot path).
 */
interface Plan {
  tagKeys: string[];
  extraKeys: string[];
  fieldKeys: string[];
  hasEvent: boolean;
  measurement: string;
  /** `,key=` and where the value comes from, sorted by key. */
  slots: { prefix: string; from: 'tag' | 'extra' | 'extra-or-tag' | 'device' | 'template' | 'event'; name: string }[];
  /** `key=` (first one with a leading space, the rest with a comma). */
  fieldPrefix: string[];
  /** The tag values of the last line encoded with this plan, and its measurement + tag set. */
  lastValues: (string | undefined)[];
  lastSeries: string | undefined;
}

function sameKeys(obj: object, keys: readonly string[]): boolean {
  let i = 0;
  for (const k in obj) if (keys[i++] !== k) return false;
  return i === keys.length;
}

function checkTimeKey(k: string, what: string): void {
  if (k === 'time') throw new LineReject('reserved_key_time', `${what} "time" is not allowed`);
}

function makePlan(r: Reading, opts: EncodeOptions): Plan {
  const tagKeys = Object.keys(r.tags);
  const extraKeys = opts.extraTags ? Object.keys(opts.extraTags) : [];
  const fieldKeys = Object.keys(r.fields);
  const hasEvent = r.event !== undefined && r.event !== '';
  const from = new Map<string, Plan['slots'][number]['from']>();
  for (const k of tagKeys) from.set(k, 'tag');
  for (const k of extraKeys) from.set(k, from.has(k) ? 'extra-or-tag' : 'extra');
  from.set('device', 'device');
  from.set('template', 'template');
  if (hasEvent) from.set('event', 'event');
  else from.delete('event');
  const slots = [...from.keys()].sort().map((k) => {
    checkTimeKey(k, 'tag key');
    return { prefix: `,${escapeKey(k)}=`, from: from.get(k) ?? 'tag', name: k };
  });
  if (fieldKeys.length === 0) throw new LineReject('no_fields', 'a point needs at least one field');
  const fieldPrefix = fieldKeys.map((k, i) => {
    checkTimeKey(k, 'field key');
    return `${i === 0 ? ' ' : ','}${escapeKey(k, 'field key')}=`;
  });
  return {
    tagKeys, extraKeys, fieldKeys, hasEvent, slots, fieldPrefix, measurement: escapeMeasurement(measurementOf(r.template)),
    lastValues: new Array<string | undefined>(slots.length).fill(undefined), lastSeries: undefined,
  };
}

/** Makes V8 flatten a string built by `+=` (a rope) once, instead of every time a line using it is written. */
function flat(s: string): string {
  Number(s);
  return s;
}

export interface LineEncoder {
  encode(r: Reading, opts?: EncodeOptions): EncodeResult;
}

/** An encoder with its own bounded plan cache (one per store). */
export function createLineEncoder(maxTemplates = 1_000): LineEncoder {
  const plans = new Map<string, Plan[]>();

  function planFor(r: Reading, opts: EncodeOptions): Plan {
    const list = plans.get(r.template);
    const hasEvent = r.event !== undefined && r.event !== '';
    if (list) {
      for (const p of list) {
        if (p.hasEvent === hasEvent && sameKeys(r.tags, p.tagKeys)
          && sameKeys(r.fields, p.fieldKeys) && sameKeys(opts.extraTags ?? {}, p.extraKeys)) return p;
      }
    }
    const p = makePlan(r, opts);
    if (list) {
      if (list.length >= 4) list.shift();
      list.push(p);
    } else if (plans.size < maxTemplates) plans.set(r.template, [p]);
    return p;
  }

  function encodeOrThrow(r: Reading, opts: EncodeOptions): string {
    if (!(Math.abs(r.ts) <= MAX_TIMESTAMP_MS)) throw new LineReject('bad_timestamp', `timestamp ${r.ts} ms is outside what InfluxDB can store (±${MAX_TIMESTAMP_MS} ms, 1677…2262)`);
    const p = planFor(r, opts);
    const extra = opts.extraTags;
    // Consecutive readings of one device mostly share their series (a pen's 100 points): the
    // escaped measurement + tag set is reused when every tag value equals the last line's.
    const slots = p.slots;
    const last = p.lastValues;
    let same = p.lastSeries !== undefined;
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i] as Plan['slots'][number];
      let v: string | undefined;
      switch (slot.from) {
        case 'device': v = r.device; break;
        case 'template': v = r.template; break;
        case 'event': v = r.event; break;
        case 'tag': v = r.tags[slot.name]; break;
        case 'extra': v = extra?.[slot.name]; break;
        case 'extra-or-tag': v = extra?.[slot.name] || r.tags[slot.name]; break;
      }
      if (last[i] !== v) {
        same = false;
        last[i] = v;
      }
    }
    let line: string;
    if (same) line = p.lastSeries as string;
    else {
      p.lastSeries = undefined; // until the new one is complete (escapeKey may throw)
      line = p.measurement;
      for (let i = 0; i < slots.length; i++) {
        const v = last[i];
        // "Tag values cannot be empty; instead, omit the tag from the tag set."
        if (v !== undefined && v !== '') line += (slots[i] as Plan['slots'][number]).prefix + escapeKey(v, 'tag value');
      }
      p.lastSeries = flat(line);
    }
    const keys = p.fieldKeys;
    const ints = opts.integerFields;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i] as string;
      line += (p.fieldPrefix[i] as string) + fieldValue(k, r.fields[k], ints !== undefined && ints.has(k));
    }
    return `${line} ${numberText(Math.floor(r.ts))}`;
  }

  return {
    encode(r, opts = {}) {
      try {
        return { ok: true, line: encodeOrThrow(r, opts) };
      } catch (err) {
        if (err instanceof LineReject) return { ok: false, reason: err.reason, detail: err.message };
        throw err;
      }
    },
  };
}

const defaultEncoder = createLineEncoder();

/**
 * Encodes one reading as one line (no trailing newline), or says why it cannot be stored.
 * Uses a shared encoder whose only state is a bounded cache of pure encoding plans.
 */
export function encodeReading(r: Reading, opts: EncodeOptions = {}): EncodeResult {
  return defaultEncoder.encode(r, opts);
}
