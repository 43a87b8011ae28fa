/**
 * lighting: lamp-on hours per room, and lights left on in an unoccupied room or
 * after school hours (minutes, and the number of rooms where it happened).
 *
 * Lights: the boolean fields a template's `behaviour.light.on` lists (a lamp group, or each
 * channel of a relay). Occupancy: the conditions of `behaviour.occupancy` (`occupied` true,
 * `people_count` above 0 …), from any template in the room (device-templates/README.md).
 * A room is unoccupied only where
 * a sensor says so; with no sensor, only after-hours counts as "left on".
 * `lamp_on_h` sums every lamp group (an 8-channel relay with 3 channels on for an hour
 * is 3 h); `lights_on_min` is the time any light in the room was on.
 */
import type { FieldValue, Reading } from '../../core/reading.js';
import type { TemplateLike } from '../../privacy/template-like.js';
import { conditionTest } from '../../templates/behaviour.js';
import { complement, intersect, measure, Timeline, union, type Interval } from '../intervals.js';
import type { SummaryBody, SummaryRow } from '../types.js';
import { planCache, round, type KindContext, type KindModule, type Placement } from './kind.js';

const MIN = 60_000;

export interface RoomLighting {
  lamp_on_min: number;
  lights_on_min: number;
  left_on_min: number;
}

export type LightingDetail = Map<string, RoomLighting>;

/** Occupancy fields of a template, each with its test (undefined when the value says nothing). */
function occupancyPlan(t: TemplateLike): Array<{ field: string; occupied: (v: FieldValue | undefined) => boolean | undefined }> {
  return (t.behaviour?.occupancy ?? []).map((c) => {
    const test = conditionTest(c);
    const kind = c.above !== undefined ? 'number' : typeof c.values?.[0];
    return { field: c.field, occupied: (v) => (typeof v === kind ? test(v as FieldValue) : undefined) };
  });
}

interface Series {
  room: string;
  holdMs: number;
  timeline: Timeline<boolean>;
}

export function createLightingKind(ctx: KindContext): KindModule<LightingDetail> {
  const lights = new Map<string, Series>();
  const occupancy = new Map<string, Series>();
  const fieldsOf = planCache((t) => t.behaviour?.light?.on ?? []);
  const occupancyOf = planCache(occupancyPlan);

  function track(map: Map<string, Series>, key: string, room: string, holdMs: number, ts: number, v: boolean): void {
    let s = map.get(key);
    if (s === undefined) map.set(key, (s = { room, holdMs, timeline: new Timeline<boolean>(holdMs) }));
    s.room = room;
    s.timeline.add(ts, v);
  }

  return {
    kind: 'lighting',
    ingest(r: Reading, t: TemplateLike, at: Placement) {
      const hold = ctx.holdMs(t);
      for (const name of fieldsOf(t)) {
        const v = r.fields[name];
        if (typeof v === 'boolean') track(lights, `${r.device}\u0000${name}`, at.room, hold, r.ts, v);
      }
      for (const o of occupancyOf(t)) {
        const occ = o.occupied(r.fields[o.field]);
        if (occ !== undefined) track(occupancy, `${r.device}\u0000${o.field}`, at.room, hold, r.ts, occ);
      }
    },
    close(start, end) {
      const onByRoom = new Map<string, Interval[][]>();
      for (const s of lights.values()) {
        const on = s.timeline.where((v) => v, start, end, s.holdMs);
        if (on.length === 0) continue;
        const list = onByRoom.get(s.room) ?? [];
        list.push(on);
        onByRoom.set(s.room, list);
      }
      if (onByRoom.size === 0) return undefined;
      const occupied = new Map<string, Interval[]>();
      const vacant = new Map<string, Interval[]>();
      for (const s of occupancy.values()) {
        occupied.set(s.room, union(occupied.get(s.room) ?? [], s.timeline.where((v) => v, start, end, s.holdMs)));
        vacant.set(s.room, union(vacant.get(s.room) ?? [], s.timeline.where((v) => !v, start, end, s.holdMs)));
      }
      const after = ctx.afterHours(start, end);
      const detail: LightingDetail = new Map();
      for (const [room, perLamp] of onByRoom) {
        const anyOn = union(...perLamp);
        // Vacant where a sensor says so and no other sensor in the room says occupied.
        const empty = intersect(vacant.get(room) ?? [], complement(occupied.get(room) ?? [], start, end));
        const leftOn = intersect(anyOn, union(empty, after));
        detail.set(room, {
          lamp_on_min: perLamp.reduce((n, l) => n + measure(l), 0) / MIN,
          lights_on_min: measure(anyOn) / MIN,
          left_on_min: measure(leftOn) / MIN,
        });
      }
      return detail;
    },
    prune(before) {
      for (const s of lights.values()) s.timeline.prune(before);
      for (const s of occupancy.values()) s.timeline.prune(before);
    },
    merge(into, next) {
      for (const [room, d] of next) {
        const a = into.get(room);
        if (a === undefined) into.set(room, { ...d });
        else for (const k of ['lamp_on_min', 'lights_on_min', 'left_on_min'] as const) a[k] += d[k];
      }
      return into;
    },
    publish(detail): SummaryBody {
      const rows: SummaryRow[] = [];
      let lampMin = 0;
      let leftMin = 0;
      let roomsLeftOn = 0;
      for (const [room, d] of detail) {
        rows.push({ tags: { scope: 'room', room }, values: { lamp_on_h: round(d.lamp_on_min / 60), lights_on_min: round(d.lights_on_min), left_on_min: round(d.left_on_min) } });
        lampMin += d.lamp_on_min;
        leftMin += d.left_on_min;
        if (d.left_on_min > 0) roomsLeftOn++;
      }
      return { values: { lamp_on_h: round(lampMin / 60), left_on_min: round(leftMin), rooms_left_on: roomsLeftOn, rooms_lit: detail.size }, rows };
    },
  };
}

