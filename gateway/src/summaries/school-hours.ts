/**
 * School hours in the site's local time: `start`–`end` on school `days`
 * (0 = Sunday … 6 = Saturday; default Monday–Friday). `outside(s, e)` gives the
 * parts of [s, e) outside them, for "lights left on after hours".
 */
import type { Interval } from './intervals.js';
import { HOUR_MS, DAY_MS, parseClock } from './window.js';
import type { SiteZone } from '../lib/zone.js';

export function createSchoolHours(hours: { start: string; end: string; days?: readonly number[] }, zone: SiteZone): { outside(start: number, end: number): Interval[] } {
  const open = parseClock(hours.start);
  const close = parseClock(hours.end);
  const days = new Set(hours.days ?? [1, 2, 3, 4, 5]);
  return {
    outside(start, end) {
      const out: Array<[number, number]> = [];
      const push = (a: number, b: number): void => {
        const s = Math.max(a, start);
        const e = Math.min(b, end);
        if (e <= s) return;
        const last = out[out.length - 1];
        if (last !== undefined && last[1] === s) last[1] = e;
        else out.push([s, e]);
      };
      // Local days: 23 or 25 hours on a DST change, so the next one is found, not added.
      for (let day = zone.startOfDay(start); day < end;) {
        const next = zone.startOfDay(day + DAY_MS + HOUR_MS);
        if (!days.has(zone.parts(day).weekday)) push(day, next);
        else {
          push(day, zone.at(day, open));
          push(zone.at(day, close), next);
        }
        day = next;
      }
      return out;
    },
  };
}
