/**
 * usage: smart-board and projector on-minutes per room, recording minutes
 * (edge/WHAT-LEAVES-THE-SCHOOL.md). Which state counts as "in use" is data below,
 * one line per template the catalog names; other templates can be added by option.
 */
import type { Reading } from '../../core/reading.js';
import type { FieldValue } from '../../core/reading.js';
import type { TemplateLike } from '../../privacy/template-like.js';
import { measure, Timeline } from '../intervals.js';
import type { SummaryBody, SummaryRow } from '../types.js';
import { bump, round, type KindContext, type KindModule, type Placement } from './kind.js';

export interface UsageRule {
  template: string;
  field: string;
  /** Values that mean "in use". */
  inUse: readonly FieldValue[];
  metric: string;
}

export const DEFAULT_USAGE_RULES: readonly UsageRule[] = [
  { template: 'smart-board', field: 'power', inUse: ['on'], metric: 'board_on_min' },
  { template: 'projector', field: 'power', inUse: ['on'], metric: 'projector_on_min' },
  { template: 'recording-system', field: 'recording', inUse: [true], metric: 'recording_min' },
];

export type UsageDetail = Map<string, Record<string, number>>;

export function createUsageKind(ctx: KindContext, rules: readonly UsageRule[] = DEFAULT_USAGE_RULES): KindModule<UsageDetail> {
  const series = new Map<string, { room: string; rule: UsageRule; holdMs: number; timeline: Timeline<FieldValue> }>();

  return {
    kind: 'usage',
    ingest(r: Reading, t: TemplateLike, at: Placement) {
      for (const rule of rules) {
        if (rule.template !== t.id) continue;
        const v = r.fields[rule.field];
        if (v === undefined) continue;
        const key = `${r.device}\u0000${rule.field}`;
        let s = series.get(key);
        if (s === undefined) series.set(key, (s = { room: at.room, rule, holdMs: ctx.holdMs(t), timeline: new Timeline<FieldValue>() }));
        s.room = at.room;
        s.timeline.add(r.ts, v);
      }
    },
    close(start, end) {
      const detail: UsageDetail = new Map();
      for (const s of series.values()) {
        const ms = measure(s.timeline.where((v) => s.rule.inUse.includes(v), start, end, s.holdMs));
        if (ms === 0) continue;
        const rec = detail.get(s.room) ?? {};
        bump(rec, s.rule.metric, ms / 60_000);
        detail.set(s.room, rec);
      }
      return detail.size > 0 ? detail : undefined;
    },
    prune(before) {
      for (const s of series.values()) s.timeline.prune(before);
    },
    merge(into, next) {
      for (const [room, rec] of next) {
        const a = into.get(room) ?? {};
        for (const [k, v] of Object.entries(rec)) bump(a, k, v);
        into.set(room, a);
      }
      return into;
    },
    publish(detail): SummaryBody {
      const rows: SummaryRow[] = [];
      const site: Record<string, number> = {};
      for (const r of rules) site[r.metric] = 0;
      for (const [room, rec] of detail) {
        const values: Record<string, number> = {};
        for (const [k, v] of Object.entries(rec)) {
          values[k] = round(v);
          bump(site, k, v);
        }
        rows.push({ tags: { scope: 'room', room }, values });
      }
      for (const k of Object.keys(site)) site[k] = round(site[k]!);
      return { values: { ...site, rooms: detail.size }, rows };
    },
  };
}
