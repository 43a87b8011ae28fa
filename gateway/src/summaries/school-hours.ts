/**
 * School hours in the site's local time: `start`–`end` on school `days`
 * (0 = Sunday … 6 = Saturday; default Monday–Friday). `outside(s, e)` gives the
 * parts of [s, e) outside them, for "lights left on after hours".
 */
import type { Interval } from './intervals.js';
import { DAY_MS, floorTo, parseClock } from './window.js';

export function createSchoolHours(hours: { start: string; end: string; days?: readonly number[] }, offsetMs: number): { outside(start: number, end: number): Interval[] } {
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
      for (let day = floorTo(start, DAY_MS, offsetMs); day < end; day += DAY_MS) {
        const weekday = new Date(day + offsetMs).getUTCDay();
        if (!days.has(weekday)) push(day, day + DAY_MS);
        else {
          push(day, day + open);
          push(day + close, day + DAY_MS);
        }
      }
      return out;
    },
  };
}
