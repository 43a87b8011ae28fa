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
  const values = new Map<string, true>();
  let evicted = 0;
  return {
    add(value) {
      if (value.length === 0) return;
      if (values.has(value)) {
        values.delete(value);
      } else if (values.size >= capacity) {
        const oldest = values.keys().next();
        if (!oldest.done) values.delete(oldest.value);
        evicted++;
      }
      values.set(value, true);
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
