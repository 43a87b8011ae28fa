/**
 * The uplink guard: the last check on every message before it may leave the school, by
 * structure (outbound-schema.ts): each string must be a config or template name, a constant of
 * the gateway, or a value the gateway made (id, time, pseudonym); keys are never a private
 * field's name. It does not look for device-supplied values: that made it a switch any device
 * could pull (a check-in with the site id as card stopped every message, a smoke alarm included;
 * issue #16).
 *
 * What fails is left out, never the whole alarm: an alarm leaves with the refused field replaced
 * by what the gateway controls (device → its pseudonym, template/alarm → `unknown`, value → the
 * raised state) or without it (room, building). A summary loses the refused row or value; only a
 * summary whose envelope (id, site, kind, window) is not the gateway's is refused whole. Each
 * refusal is counted by reason and logged at warn once a minute per place, with the path only:
 * never the value, which may be the personal datum that was refused.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { AlarmMessage, SummaryMessage, SummaryRow, UplinkMessage } from '../summaries/types.js';
import type { OutboundNames } from './outbound-names.js';
import { alarmValueOk, createOutboundSchemas, OFFLINE_ALARM, UNKNOWN_ALARM } from './outbound-schema.js';

export type GuardReason = 'private_field' | 'unknown_name' | 'bad_shape';
export interface Refusal {
  reason: GuardReason;
  path: string;
}
export type GuardVerdict = { ok: true } | ({ ok: false } & Refusal);
export type Admission = { ok: true; message: UplinkMessage; refused: Refusal[] } | { ok: false; refused: Refusal[] };

export interface UplinkGuard {
  /** Checks a whole message, changing nothing. */
  check(message: unknown): GuardVerdict;
  /** The message as it may leave (see above); `ok: false` only for a summary that is not the gateway's. */
  admit(message: unknown): Admission;
  /** Refusals so far (whole messages and parts), by reason. */
  refused(): Record<GuardReason, number>;
}

export interface UplinkGuardOptions {
  names: OutboundNames;
  /** Each place a refusal happens (kind + path) is logged at most once per this (default 60 s). */
  logEveryMs?: number;
}

function reasonOf(issue: z.core.$ZodIssue): GuardReason {
  if (issue.message.startsWith('the name of a private field')) return 'private_field';
  return issue.message.startsWith('not a ') ? 'unknown_name' : 'bad_shape';
}

function pathOf(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((p, k) => (typeof k === 'number' ? `${p}[${k}]` : `${p}.${String(k)}`), '$');
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function createUplinkGuard(options: UplinkGuardOptions, deps: { log: Logger; clock?: { now(): number } }): UplinkGuard {
  const log = deps.log.child({ component: 'uplink-guard' });
  const now = () => deps.clock?.now() ?? Date.now();
  const { names } = options;
  const s = createOutboundSchemas(names);
  const counts: Record<GuardReason, number> = { private_field: 0, unknown_name: 0, bad_shape: 0 };
  const logged = new Map<string, { at: number; since: number }>();
  const logEveryMs = options.logEveryMs ?? 60_000;

  function refuse(out: Refusal[], kind: string, reason: GuardReason, path: string): void {
    counts[reason]++;
    out.push({ reason, path });
    const place = `${kind} ${reason} ${path.replace(/\[\d+\]/g, '[]')}`;
    const l = logged.get(place);
    if (l !== undefined && now() - l.at < logEveryMs) {
      l.since++;
      return;
    }
    logged.set(place, { at: now(), since: 0 });
    log.warn({ kind, reason, path, alsoSinceLastLog: l?.since ?? 0 }, 'GW_ERR_UPLINK_GUARD: part of an outbound message left out (not a name the gateway controls)');
  }

  function admitSummary(m: Record<string, unknown>, out: Refusal[]): Admission {
    const kind = String(m.kind);
    const env = s.summaryEnvelope.safeParse(m);
    if (!env.success) {
      const issue = env.error.issues[0]!;
      refuse(out, 'summary', reasonOf(issue), pathOf(issue.path));
      return { ok: false, refused: out };
    }
    const numbers = (v: unknown, at: string): Record<string, number> => {
      const kept: Record<string, number> = {};
      if (!isRecord(v)) {
        refuse(out, kind, 'bad_shape', at);
        return kept;
      }
      for (const [k, x] of Object.entries(v)) {
        const key = s.valueKey.safeParse(k);
        if (!key.success) refuse(out, kind, reasonOf(key.error.issues[0]!), `${at}.<key>`);
        else if (typeof x !== 'number' || !Number.isFinite(x)) refuse(out, kind, 'bad_shape', `${at}.${k}`);
        else kept[k] = x;
      }
      return kept;
    };
    const rows: SummaryRow[] = [];
    (Array.isArray(m.rows) ? m.rows : []).forEach((row: unknown, i) => {
      const tags = s.rowTags[kind as SummaryMessage['kind']].safeParse(isRecord(row) ? row.tags : undefined);
      if (!tags.success) {
        const issue = tags.error.issues[0]!;
        refuse(out, kind, reasonOf(issue), pathOf(['rows', i, 'tags', ...issue.path]));
        return;
      }
      rows.push({ tags: tags.data as Record<string, string>, values: numbers((row as Record<string, unknown>).values, `$.rows[${i}].values`) });
    });
    const e = env.data as Omit<SummaryMessage, 'values' | 'rows'>;
    const message: SummaryMessage = {
      id: e.id, site: e.site, kind: e.kind, resolution: e.resolution, windowStart: e.windowStart, windowEnd: e.windowEnd,
      values: numbers(m.values, '$.values'), rows,
    };
    for (const k of Object.keys(m)) if (!(k in message)) refuse(out, kind, 'bad_shape', `$.${k}`);
    return { ok: true, message, refused: out };
  }

  function admitAlarm(m: Record<string, unknown>, out: Refusal[]): Admission {
    /** The field if it passes, else the fallback (undefined: left out), counted. */
    const field = <T>(key: string, schema: z.ZodType, fallback: () => T): T => {
      const r = schema.safeParse(m[key]);
      if (r.success) return r.data as T;
      const instead = fallback();
      if (m[key] !== undefined || instead !== undefined) refuse(out, 'alarm', reasonOf(r.error.issues[0]!), `$.${key}`);
      return instead;
    };
    const a = s.alarm;
    const state = field<'raised' | 'cleared'>('state', a.state, () => 'raised');
    const template = field<string>('template', a.template, () => 'unknown');
    const at = new Date(now()).toISOString();
    const room = field<string | undefined>('room', a.room, () => undefined);
    const building = field<string | undefined>('building', a.building, () => undefined);
    let alarm = typeof m.alarm === 'string' ? m.alarm : '';
    const declared = names.alarmField(template, alarm);
    if (alarm !== OFFLINE_ALARM && declared === undefined) {
      refuse(out, 'alarm', 'unknown_name', '$.alarm');
      alarm = UNKNOWN_ALARM;
    }
    let value = m.value as AlarmMessage['value'];
    if (declared !== undefined ? !alarmValueOk(declared, value) : typeof value !== 'boolean') {
      refuse(out, 'alarm', declared === undefined ? 'bad_shape' : 'unknown_name', '$.value');
      value = state === 'raised';
    }
    const message: AlarmMessage = {
      id: field('id', a.id, () => randomUUID()),
      site: field('site', a.site, () => names.site),
      kind: 'alarm',
      template,
      device: field('device', a.device, () => names.pseudonym(typeof m.device === 'string' ? m.device : '')),
      ...(room !== undefined && { room }),
      ...(building !== undefined && { building }),
      alarm,
      value,
      state,
      windowStart: field('windowStart', a.time, () => at),
      windowEnd: field('windowEnd', a.time, () => at),
    };
    for (const k of Object.keys(m)) if (!(k in message) && k !== 'room' && k !== 'building') refuse(out, 'alarm', 'bad_shape', `$.${k}`);
    return { ok: true, message, refused: out };
  }

  return {
    check(message) {
      const kind = isRecord(message) ? message.kind : undefined;
      const r = (kind === 'alarm' ? s.alarmMessage : s.summary).safeParse(message);
      if (r.success) return { ok: true };
      const issue = r.error.issues[0]!;
      return { ok: false, reason: reasonOf(issue), path: pathOf(issue.path) };
    },
    admit(message) {
      const out: Refusal[] = [];
      if (!isRecord(message)) {
        refuse(out, 'message', 'bad_shape', '$');
        return { ok: false, refused: out };
      }
      return message.kind === 'alarm' ? admitAlarm(message, out) : admitSummary(message, out);
    },
    refused: () => ({ ...counts }),
  };
}
