/**
 * Class sessions. Until teachers' sessions (POST /api/sessions) feed in, a session is
 * the room plus the lesson period the reading falls in: `room@<period start ISO>`.
 * Periods are `HH:MM-HH:MM` in the site's local time; outside them (or with none
 * configured) the local clock hour is the period. A caller that knows the session
 * passes it to `summaries.ingest(readings, template, { session })` instead.
 */
import { HOUR_MS, floorTo, iso, localTimeOfDay, parseClock } from './window.js';

export type SessionOf = (room: string, ts: number) => string;

export function createSessionOf(lessonPeriods: readonly string[], utcOffsetMinutes: number): SessionOf {
  const offsetMs = utcOffsetMinutes * 60_000;
  const periods = lessonPeriods.map((p) => {
    const [a, b] = p.split('-');
    if (a === undefined || b === undefined) throw new Error(`GW_ERR_CONFIG: a lesson period is HH:MM-HH:MM, got ${JSON.stringify(p)}`);
    return [parseClock(a.trim()), parseClock(b.trim())] as const;
  });
  const cache = new Map<string, string>();
  return (room, ts) => {
    const tod = localTimeOfDay(ts, offsetMs);
    const p = periods.find(([a, b]) => tod >= a && tod < b);
    const start = p === undefined ? floorTo(ts, HOUR_MS, offsetMs) : ts - (tod - p[0]);
    const key = `${room}\u0000${start}`;
    let id = cache.get(key);
    if (id === undefined) {
      id = `${room}@${iso(start)}`;
      if (cache.size >= 10_000) cache.clear();
      cache.set(key, id);
    }
    return id;
  };
}
