/**
 * pe-activity: per class session, how many students spent most of the window in each
 * heart-rate zone, and the mean minutes of moderate-to-vigorous activity (MVPA) per
 * student. Heart rate is `health` data: per-student time-in-zone stays in memory here
 * and a session is published only when at least `minGroupSize` students are in it;
 * smaller groups are counted as suppressed, nothing more. Roll-ups take only the published
 * sessions (`released`), so an hour minus its windows reveals no withheld group.
 * The heart-rate field is the template's `behaviour.heartRate.field` (a `health` field in bpm;
 * the zones are the gateway's, `zones` below); a student is the
 * reading's pseudonym (person tag or `id` field), never the clear identifier.
 */
import type { Reading } from '../../core/reading.js';
import type { TemplateLike } from '../../privacy/template-like.js';
import { measure, Timeline } from '../intervals.js';
import type { SummaryBody, SummaryRow } from '../types.js';
import { round, type KindContext, type KindModule, type Placement } from './kind.js';

export interface HeartRateZones {
  /** Lower bounds in bpm of zones 2…N (zone 1 is below the first). */
  bounds: readonly number[];
  /** First zone (1-based) that counts as moderate-to-vigorous. */
  mvpaFromZone: number;
  /** How long one heart-rate sample holds. */
  holdMs: number;
}

export const DEFAULT_ZONES: HeartRateZones = { bounds: [100, 120, 140, 160], mvpaFromZone: 3, holdMs: 30_000 };

interface Session {
  room: string;
  students: Map<string, number[]>;
}

export type PeDetail = Map<string, Session>;

export function heartRateField(t: TemplateLike): string | undefined {
  return t.behaviour?.heartRate?.field;
}

export function createPeActivityKind(ctx: KindContext, zones: HeartRateZones = DEFAULT_ZONES): KindModule<PeDetail> {
  const series = new Map<string, { session: string; room: string; student: string; timeline: Timeline<number> }>();
  const zoneCount = zones.bounds.length + 1;
  const zoneOf = (bpm: number): number => zones.bounds.filter((b) => bpm >= b).length;

  return {
    kind: 'pe-activity',
    ingest(r: Reading, t: TemplateLike, at: Placement) {
      const field = heartRateField(t);
      const hr = field === undefined ? undefined : r.fields[field];
      if (typeof hr !== 'number') return;
      const student = at.person ?? r.device;
      const key = `${at.session}\u0000${student}`;
      let s = series.get(key);
      if (s === undefined) series.set(key, (s = { session: at.session, room: at.room, student, timeline: new Timeline<number>() }));
      s.timeline.add(r.ts, hr);
    },
    close(start, end) {
      const detail: PeDetail = new Map();
      for (const s of series.values()) {
        const ms = Array.from({ length: zoneCount }, (_, z) => measure(s.timeline.where((v) => zoneOf(v) === z, start, end, zones.holdMs)));
        if (ms.every((x) => x === 0)) continue;
        let session = detail.get(s.session);
        if (session === undefined) detail.set(s.session, (session = { room: s.room, students: new Map() }));
        session.students.set(s.student, ms);
      }
      return detail.size > 0 ? detail : undefined;
    },
    prune(before) {
      for (const [k, s] of series) {
        s.timeline.prune(before);
        const last = s.timeline.samples.at(-1);
        if (last === undefined || last.ts + zones.holdMs < before) series.delete(k);
      }
    },
    merge(into, next) {
      for (const [id, s] of next) {
        const a = into.get(id);
        if (a === undefined) {
          into.set(id, { room: s.room, students: new Map([...s.students].map(([k, v]) => [k, [...v]])) });
          continue;
        }
        for (const [student, ms] of s.students) {
          const prev = a.students.get(student);
          a.students.set(student, prev === undefined ? [...ms] : prev.map((x, i) => x + (ms[i] ?? 0)));
        }
      }
      return into;
    },
    // Only the sessions publish() lets out: a roll-up that also held the withheld ones gave away a
    // lone student's figure as (hour total − the published windows) (issue #16).
    released(detail) {
      const out = new Map([...detail].filter(([, s]) => s.students.size >= ctx.minGroupSize));
      return out.size > 0 ? out : undefined;
    },
    publish(detail): SummaryBody {
      const rows: SummaryRow[] = [];
      let suppressed = 0;
      let students = 0;
      for (const [session, s] of detail) {
        if (s.students.size < ctx.minGroupSize) {
          suppressed++;
          continue;
        }
        const values: Record<string, number> = { students: s.students.size };
        for (let z = 0; z < zoneCount; z++) values[`zone${z + 1}_students`] = 0;
        let mvpaMs = 0;
        for (const ms of s.students.values()) {
          const top = ms.indexOf(Math.max(...ms));
          values[`zone${top + 1}_students`]!++;
          mvpaMs += ms.slice(zones.mvpaFromZone - 1).reduce((a, b) => a + b, 0);
        }
        values.mvpa_min_mean = round(mvpaMs / s.students.size / 60_000, 3);
        rows.push({ tags: { scope: 'session', session, room: s.room }, values });
        students += s.students.size;
      }
      return { values: { sessions: rows.length, sessions_suppressed: suppressed, students }, rows };
    },
  };
}
