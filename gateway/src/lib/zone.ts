/**
 * The site's time zone (`site.timezone`, an IANA name): local days, hours and wall-clock
 * times for roll-ups, school hours, lesson periods and exports. Zone math is Intl's (no
 * dependency). A day is from one local midnight to the next, so 23 or 25 hours long on a
 * DST change (Europe/Berlin in March and October); Asia/Shanghai is a fixed +08:00.
 * A fixed offset (`+05:30`, from the deprecated `uplink.utcOffsetMinutes`) is accepted too.
 */
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
import { gwError } from '../errors.js';

export interface LocalParts { year: number; month: number; day: number; weekday: number; msOfDay: number }

export interface SiteZone {
  readonly name: string;
  /** Local time minus UTC at `ts`, in ms (Asia/Shanghai: 8 h). */
  offsetMs(ts: number): number;
  /** Local calendar fields at `ts` (month 1–12, weekday 0 = Sunday, ms since local midnight). */
  parts(ts: number): LocalParts;
  /** The instant the local day holding `ts` began (its midnight, or the DST jump that replaced it). */
  startOfDay(ts: number): number;
  /** The instant the local clock hour holding `ts` began. */
  startOfHour(ts: number): number;
  /** The instant of local wall-clock `msOfDay` on the day that starts at `dayStart`; a time a DST jump skips maps past the jump. */
  at(dayStart: number, msOfDay: number): number;
  /** ISO 8601 in local time with its offset: `2026-12-05T07:32:00.000+08:00`. */
  iso(ts: number): string;
}

/** `±HH:MM` within UTC−12…+14 on a quarter hour, the range `uplink.utcOffsetMinutes` allows. */
const FIXED = /^([+-])(0\d|1[0-4]):(00|15|30|45)$/;

/** True for a name Intl knows (`Asia/Shanghai`, `UTC`) or a fixed offset `±HH:MM`. */
export function isTimeZone(name: string): boolean {
  if (FIXED.test(name)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** The host's zone, the default of `site.timezone`. */
export function hostTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** A fixed-offset zone for `utcOffsetMinutes` (480 → `Etc/GMT-8`, an IANA name a browser knows; 330 → `+05:30`). */
export function fixedOffsetZone(minutes: number): string {
  if (minutes === 0) return 'UTC';
  if (minutes % 60 === 0) return `Etc/GMT${minutes > 0 ? '-' : '+'}${Math.abs(minutes / 60)}`;
  const a = Math.abs(minutes);
  return `${minutes < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

function intlOffset(name: string): (ts: number) => number {
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone: name, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
  });
  // Offsets change at most a few times a year, on a quarter hour: one answer per 15 minutes, bounded.
  const cache = new Map<number, number>();
  return (ts) => {
    const key = Math.floor(ts / 900_000);
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const p: Record<string, number> = {};
    for (const x of fmt.formatToParts(key * 900_000)) if (x.type !== 'literal') p[x.type] = Number(x.value);
    const local = Date.UTC(p.year ?? 1970, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0);
    const off = local - key * 900_000;
    if (cache.size >= 4096) cache.clear();
    cache.set(key, off);
    return off;
  };
}

export function createSiteZone(name: string): SiteZone {
  if (!isTimeZone(name)) throw gwError('GW_ERR_CONFIG', `site.timezone: unknown time zone ${JSON.stringify(name)} (an IANA name such as Asia/Shanghai)`);
  const m = FIXED.exec(name);
  const offsetMs = m === null ? intlOffset(name) : ((fixed: number) => () => fixed)((m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) * 60_000);
  const parts = (ts: number): LocalParts => {
    const local = ts + offsetMs(ts);
    const d = new Date(local);
    return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), weekday: d.getUTCDay(), msOfDay: ((local % DAY_MS) + DAY_MS) % DAY_MS };
  };
  /** The instant local wall time `local` (ms as if UTC) names: the earlier one in a fold, past the jump in a gap. */
  const fromLocal = (local: number): number => {
    const before = offsetMs(local - DAY_MS);
    const after = offsetMs(local + DAY_MS);
    const valid = [before, after].filter((o) => offsetMs(local - o) === o);
    if (valid.length === 0) return local - before;
    return local - Math.max(...valid);
  };
  const startOfDay = (ts: number): number => fromLocal(ts + offsetMs(ts) - parts(ts).msOfDay);
  return {
    name,
    offsetMs,
    parts,
    startOfDay,
    startOfHour: (ts) => ts - (parts(ts).msOfDay % HOUR_MS),
    at: (dayStart, msOfDay) => fromLocal(dayStart + offsetMs(dayStart) - parts(dayStart).msOfDay + msOfDay),
    iso(ts) {
      const off = offsetMs(ts);
      const body = new Date(ts + off).toISOString().slice(0, -1);
      const a = Math.abs(off) / 60_000;
      return `${body}${off < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
    },
  };
}
