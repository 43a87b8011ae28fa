/**
 * A bounded set of strings with least-recently-added eviction (a Map keeps
 * insertion order). Holds the clear identifiers seen at ingest, so the uplink
 * guard can recognise one by value wherever it turns up in an outbound message.
 */
export interface IdentifierSet {
  add(value: string): void;
  has(value: string): boolean;
  readonly size: number;
  /** Values evicted because the set was full. */
  readonly evicted: number;
}

export function createIdentifierSet(capacity = 100_000): IdentifierSet {
  // value → when it was (re)added. A value seen again is moved to the young end only once it
  // has aged past half the capacity: moving it on every sighting (delete + set) filled the
  // Map's table with deleted entries and rebuilt it over and over (GC churn at ingest rate).
  const values = new Map<string, number>();
  let seq = 0;
  let evicted = 0;
  const refreshAfter = Math.max(1, Math.floor(capacity / 2));
  return {
    add(value) {
      if (value.length === 0) return;
      const at = values.get(value);
      if (at !== undefined) {
        if (seq - at < refreshAfter) return;
        values.delete(value);
      } else if (values.size >= capacity) {
        const oldest = values.keys().next();
        if (!oldest.done) values.delete(oldest.value);
        evicted++;
      }
      values.set(value, ++seq);
    },
    has: (value) => values.has(value),
    get size() {
      return values.size;
    },
    get evicted() {
      return evicted;
    },
  };
}
