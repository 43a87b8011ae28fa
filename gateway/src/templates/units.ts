/**
 * Units a template may declare, each with the name suffix(es) a field carrying
 * it must end with (`power_w` has unit `W`). Pass 2 checks both directions.
 */
export const UNIT_SUFFIXES: Readonly<Record<string, readonly string[]>> = {
  'W': ['w'], 'kW': ['kw'], 'kWh': ['kwh'], 'V': ['v'], 'A': ['a'], 'Hz': ['hz'],
  '%': ['pct'], 'K': ['k'], '°C': ['c'], 'lx': ['lux'],
  'ppm': ['ppm'], 'µg/m³': ['ugm3'], 'mg/m³': ['mgm3'], 'm³': ['m3'], 'm³/h': ['m3h'], 'L': ['l'],
  'dB': ['db'], 'dBm': ['dbm'], 'dB/m': ['dbm'], 'bpm': ['bpm'],
  'ms': ['ms'], 's': ['s'], 'h': ['h', 'hours'], 'mm': ['mm'], 'cm': ['cm'], 'kg': ['kg'], 'mL': ['ml'],
  'GB': ['gb'], 'm/s': ['mps'],
};

const ALL_SUFFIXES = new Set(Object.values(UNIT_SUFFIXES).flat());

/** The unit suffix a field name ends with, if any (`power_w` → `w`). */
export function suffixOf(name: string): string | undefined {
  const i = name.lastIndexOf('_');
  if (i < 0) return undefined;
  const s = name.slice(i + 1);
  return ALL_SUFFIXES.has(s) ? s : undefined;
}
