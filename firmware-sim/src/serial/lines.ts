/**
 * Line formats of the four serial templates (docs/devices: fitness-test-station, noise-meter, projector, response-clicker).
 * Pure: each function returns one line without its terminator.
 */
export type SerialSimTemplate = 'projector' | 'response-clicker' | 'fitness-test-station' | 'noise-meter';
export const SERIAL_SIM_TEMPLATES: readonly SerialSimTemplate[] = ['projector', 'response-clicker', 'fitness-test-station', 'noise-meter'];

/** NMEA-style checksum: XOR of every byte between `$` and `*`, two upper-case hex digits. */
export function nmeaChecksum(body: string): string {
  let x = 0;
  for (const b of Buffer.from(body, 'latin1')) x ^= b;
  return x.toString(16).toUpperCase().padStart(2, '0');
}

export function noiseSentence(laeq: number, lamax: number, state: 'A' | 'V' = 'A', corruptChecksum = false): string {
  const body = `NOISE,${laeq.toFixed(1)},${lamax.toFixed(1)},${state}`;
  let sum = nmeaChecksum(body);
  if (corruptChecksum) sum = ((Number.parseInt(sum, 16) ^ 0x5a) & 0xff).toString(16).toUpperCase().padStart(2, '0');
  return `$${body}*${sum}`;
}

export interface ProjectorState {
  power: 0 | 1 | 2 | 3;
  lampHours: number;
  lampOn: boolean;
  /** fan, lamp, temp, cover, filter, other: 0 ok, 1 warning, 2 error. */
  errors: [number, number, number, number, number, number];
}

/** PJLink class 1 (JBMIA PJLink spec 1.04 §4): answers `%1POWR ?`, `%1LAMP ?`, `%1ERST ?`; ERR1 for an unknown command. */
export function pjlinkAnswer(query: string, s: ProjectorState): string {
  const m = /^%1([A-Z]{4}) \?$/.exec(query.trim());
  if (!m) return '%1XXXX=ERR2';
  switch (m[1]) {
    case 'POWR': return `%1POWR=${s.power}`;
    case 'LAMP': return `%1LAMP=${Math.floor(s.lampHours)} ${s.lampOn ? 1 : 0}`;
    case 'ERST': return `%1ERST=${s.errors.join('')}`;
    default: return `%1${m[1]}=ERR1`;
  }
}

const CHOICES = ['A', 'B', 'C', 'D', 'E', 'F'] as const;
const ITEMS = [['HEIGHT', 'cm', 120, 180], ['WEIGHT', 'kg', 25, 70], ['VC', 'ml', 1200, 3500], ['SITREACH', 'cm', -5, 25], ['RUN50', 's', 7, 11]] as const;

export function clickerAnswer(rnd: () => number, question: number): string {
  const clicker = `C-${String(1 + Math.floor(rnd() * 40)).padStart(4, '0')}`;
  return `ANS,${clicker},${question},${CHOICES[Math.floor(rnd() * 6)]},${200 + Math.floor(rnd() * 9000)}`;
}

export function clickerHeartbeat(baseId: string, connected: number): string {
  return `HB,${baseId},${connected}`;
}

export function fitnessResult(rnd: () => number): string {
  const [item, unit, lo, hi] = ITEMS[Math.floor(rnd() * ITEMS.length)]!;
  const card = `S2023${String(1 + Math.floor(rnd() * 45)).padStart(3, '0')}`;
  const value = lo + rnd() * (hi - lo);
  return `FT,${card},${item},${item === 'VC' ? Math.round(value) : value.toFixed(1)},${unit}`;
}
