/**
 * What the summaries component emits and the uplink carries (docs/interfaces.md "Uplink"):
 * JSON with `site`, `kind`, `windowStart`, `windowEnd` (ISO 8601), the values and a
 * unique `id`. Values are numbers only; per-room / per-meter / per-session detail
 * goes in `rows`, each with string tags. Nothing here may name a person.
 */
import type { SummaryKind } from '../core/topics.js';

/** `window` = the base window (uplink.windowSeconds, default 1 min); `hour` and `day` are roll-ups. */
export type Resolution = 'window' | 'hour' | 'day';

export interface SummaryRow {
  tags: Record<string, string>;
  values: Record<string, number>;
}

export interface SummaryBody {
  values: Record<string, number>;
  rows: SummaryRow[];
}

export interface SummaryMessage extends SummaryBody {
  id: string;
  site: string;
  kind: SummaryKind;
  resolution: Resolution;
  windowStart: string;
  windowEnd: string;
}

export interface AlarmMessage {
  id: string;
  site: string;
  kind: 'alarm';
  template: string;
  device: string;
  room?: string;
  building?: string;
  /** The field that raised it (`alarm`, `leak`, `door`, `low_velocity` …) or `offline`. */
  alarm: string;
  value: number | boolean | string;
  state: 'raised' | 'cleared';
  /** Both the time of the reading (or status change) that raised or cleared the alarm. */
  windowStart: string;
  windowEnd: string;
}

export type UplinkMessage = SummaryMessage | AlarmMessage;

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
