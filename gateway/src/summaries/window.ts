/**
 * Window arithmetic. Base windows are aligned to the epoch; hour and day roll-ups to
 * the site's local time (zone.ts), so a school's "day" starts at its midnight.
 */
import { gwError } from '../errors.js';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export function floorTo(ts: number, sizeMs: number, offsetMs = 0): number {
  return Math.floor((ts + offsetMs) / sizeMs) * sizeMs - offsetMs;
}

/** Parses `HH:MM` into ms since midnight. */
export function parseClock(hhmm: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(hhmm);
  if (m === null) throw gwError('GW_ERR_CONFIG', `expected a time of day HH:MM, got ${JSON.stringify(hhmm)}`);
  return (Number(m[1]) * 60 + Number(m[2])) * 60_000;
}

export function iso(ts: number): string {
  return new Date(ts).toISOString();
}
