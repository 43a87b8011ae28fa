/**
 * JSON bodies are snake_case (README.md, "JSON casing"). TypeScript objects inside the gateway are
 * camelCase (the broker's counters, the uplink's health); a route that answers with one maps
 * its keys here, at the boundary, instead of renaming fields across the code that counts them.
 */

/** `connectionsOpen` → `connections_open`, `qos0Throttled` → `qos0_throttled`; snake_case and kebab-case stay as they are. */
export function snakeCase(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/**
 * The same object with its keys (and those of nested plain objects) in snake_case. Only for
 * objects whose keys are all names the code chose (counters, health sections), never for maps
 * keyed by data (device ids, a reading's fields), which must pass as they are.
 */
export function snakeCaseKeys(value: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[snakeCase(k)] = v !== null && typeof v === 'object' && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype
      ? snakeCaseKeys(v as Record<string, unknown>)
      : v;
  }
  return out;
}
