/**
 * Class sessions. Until teachers' sessions (POST /api/sessions) feed in, a session is
 * the room plus the lesson period the reading falls in: `room@<period start ISO>`.
 * Periods are `HH:MM-HH:MM` in the site's local time; outside them (or with none
 * configured) the local clock hour is the period. A caller that knows the session
 * passes it to `summaries.ingest(readings, template, { session })` instead.
 */
import { HOUR_MS, iso, parseClock } from './window.js';
import type { SiteZone } from '../lib/zone.js';
import { gwError } from '../errors.js';

export type SessionOf = (room: string, ts: number) => string;

export function createSessionOf(lessonPeriods: readonly string[], zone: SiteZone): SessionOf {
  const periods = lessonPeriods.map((p) => {
    const [a, b] = p.split('-');
    if (a === undefined || b === undefined) throw gwError('GW_ERR_CONFIG', `a lesson period is HH:MM-HH:MM, got ${JSON.stringify(p)}`);
    return [parseClock(a.trim()), parseClock(b.trim())] as const;
  });
  const cache = new Map<string, string>();
  // The last answer and the window it holds for: a pen's 100 points share one, at no cost.
  let lastRoom: string | undefined;
  let lastFrom = 0;
  let lastTo = 0;
  let lastId = '';
  return (room, ts) => {
    if (room === lastRoom && ts >= lastFrom && ts < lastTo) return lastId;
    const tod = zone.parts(ts).msOfDay;
    let p: readonly [number, number] | undefined;
    for (const q of periods) if (tod >= q[0] && tod < q[1]) { p = q; break; }
    const start = p === undefined ? zone.startOfHour(ts) : ts - (tod - p[0]);
    // Until the period ends, or the next period starts / the hour ends (outside lessons).
    let end = p === undefined ? start + HOUR_MS : start + (p[1] - p[0]);
    if (p === undefined) for (const q of periods) if (q[0] > tod && ts + (q[0] - tod) < end) end = ts + (q[0] - tod);
    const key = `${room}\u0000${start}`;
    let id = cache.get(key);
    if (id === undefined) {
      id = `${room}@${iso(start)}`;
      if (cache.size >= 10_000) cache.clear();
      cache.set(key, id);
    }
    lastRoom = room;
    lastFrom = p === undefined ? ts : start; // outside lessons an earlier period may have ended this hour
    lastTo = end;
    lastId = id;
    return id;
  };
}
