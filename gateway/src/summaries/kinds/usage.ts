/**
 * usage: minutes in use per room (smart boards, projectors, recording …;
 * edge/WHAT-LEAVES-THE-SCHOOL.md). What counts as "in use", and the metric its minutes add to,
 * is the template's `behaviour.inUse` (device-templates/README.md): a second vendor's smart
 * board adds a template, no code. Site values list every metric of the catalog (0 when idle).
 */
import type { Reading } from '../../core/reading.js';
import type { FieldValue } from '../../core/reading.js';
import type { TemplateLike } from '../../privacy/template-like.js';
import { conditionTest } from '../../templates/behaviour.js';
import { measure, Timeline } from '../intervals.js';
import type { SummaryBody, SummaryRow } from '../types.js';
import { bump, planCache, round, type KindContext, type KindModule, type Placement } from './kind.js';

export interface UsageRule {
  field: string;
  metric: string;
  test(v: FieldValue): boolean;
}

export function usageRules(t: TemplateLike): UsageRule[] {
  return (t.behaviour?.inUse ?? []).map((u) => ({ field: u.field, metric: u.metric, test: conditionTest(u) }));
}

export type UsageDetail = Map<string, Record<string, number>>;

/** `catalog`: the loaded templates, so the site values name every usage metric even when nothing ran. */
export function createUsageKind(ctx: KindContext, catalog: () => Iterable<TemplateLike> = () => []): KindModule<UsageDetail> {
  const series = new Map<string, { room: string; rule: UsageRule; holdMs: number; timeline: Timeline<FieldValue> }>();
  const rulesOf = planCache(usageRules);

  return {
    kind: 'usage',
    ingest(r: Reading, t: TemplateLike, at: Placement) {
      for (const rule of rulesOf(t)) {
        const v = r.fields[rule.field];
        if (v === undefined) continue;
        const key = `${r.device}\u0000${rule.field}`;
        let s = series.get(key);
        if (s === undefined) {
          const holdMs = ctx.holdMs(t);
          series.set(key, (s = { room: at.room, rule, holdMs, timeline: new Timeline<FieldValue>(holdMs) }));
        }
        s.room = at.room;
        s.rule = rule;
        s.timeline.add(r.ts, v);
      }
    },
    close(start, end) {
      const detail: UsageDetail = new Map();
      for (const s of series.values()) {
        const ms = measure(s.timeline.where(s.rule.test, start, end, s.holdMs));
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
      for (const t of catalog()) for (const u of t.behaviour?.inUse ?? []) site[u.metric] = 0;
      for (const s of series.values()) site[s.rule.metric] = 0;
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
