/**
 * Topic authorization (docs/interfaces.md "MQTT (device side)"), pure functions.
 *
 * - A device (username = device id) publishes only under
 *   `campus/<its template>/<its id>/(telemetry|event|status)` and subscribes only
 *   to `campus/<its template>/<its id>/command`.
 * - An internal user publishes/subscribes within its configured topic filters.
 * - Anonymous clients (auth off) may do anything except what deny rules refuse.
 * - Deny rules apply to every client. A subscription is refused when its filter
 *   overlaps a denied filter (it could receive a denied topic) [MQTT-3.9.3: 0x80].
 * `$SYS/…` is never published by clients, nor are the gateway's own `campus/<t>/<id>/state` and
 *   `…/availability` (pipeline/state-fanout.ts): no client (device, app, anonymous) can forge a
 *   device's state or availability for the apps that read them.
 */
import { parseDeviceTopic } from '../core/topics.js';

export type Identity =
  | { kind: 'anonymous' }
  | { kind: 'device'; id: string; template: string }
  | { kind: 'internal'; username: string; publish: readonly string[]; subscribe: readonly string[] };

export interface DenyRule {
  topic: string;
  action: 'publish' | 'subscribe' | 'all';
}

/** MQTT topic filter match [MQTT-4.7]: `+` one level, `#` the rest (including the parent). */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  // [MQTT-4.7.2-1] wildcards at the first level do not match `$` topics
  if (topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false;
  for (let i = 0; i < f.length; i++) {
    const part = f[i]!;
    if (part === '#') return true;
    if (i >= t.length) return false;
    if (part !== '+' && part !== t[i]) return false;
  }
  return f.length === t.length;
}

/** Whether some topic could match both filters. */
export function filtersOverlap(a: string, b: string): boolean {
  const x = a.split('/');
  const y = b.split('/');
  for (let i = 0; ; i++) {
    const p = x[i];
    const q = y[i];
    if (p === '#' || q === '#') return true;
    if (p === undefined || q === undefined) return p === q;
    if (p !== '+' && q !== '+' && p !== q) return false;
  }
}

/** Whether every topic matched by `inner` is also matched by `outer`. */
export function filterCovers(outer: string, inner: string): boolean {
  const o = outer.split('/');
  const n = inner.split('/');
  for (let i = 0; ; i++) {
    const p = o[i];
    const q = n[i];
    if (p === '#') return true;
    if (q === '#' || p === undefined || q === undefined) return p === q;
    if (p === '+') continue;
    if (q === '+' || p !== q) return false;
  }
}

export function isDenied(rules: readonly DenyRule[], action: 'publish' | 'subscribe', topicOrFilter: string): DenyRule | undefined {
  for (const r of rules) {
    if (r.action !== 'all' && r.action !== action) continue;
    if (action === 'publish' ? topicMatches(r.topic, topicOrFilter) : filtersOverlap(r.topic, topicOrFilter)) return r;
  }
  return undefined;
}

/** `campus/<template>/<id>/state|availability`: the gateway's own view, never a client's publish. */
export function isGatewayTopic(topic: string): boolean {
  if (!topic.startsWith('campus/')) return false;
  const parts = topic.split('/');
  return parts.length === 4 && (parts[3] === 'state' || parts[3] === 'availability');
}

/** Reason string when refused, undefined when allowed. */
export function checkPublish(who: Identity, topic: string, rules: readonly DenyRule[]): string | undefined {
  if (topic.startsWith('$SYS')) return '$SYS topics are reserved';
  if (isGatewayTopic(topic)) return 'state and availability topics are published only by the gateway';
  const denied = isDenied(rules, 'publish', topic);
  if (denied) return `deny rule ${denied.topic}`;
  if (who.kind === 'anonymous') return undefined;
  if (who.kind === 'internal') return who.publish.some((f) => topicMatches(f, topic)) ? undefined : 'outside the user\'s publish filters';
  const t = parseDeviceTopic(topic);
  if (!t || t.template !== who.template || t.device !== who.id) return `a device publishes only under campus/${who.template}/${who.id}/`;
  if (t.channel === 'command') return 'a device does not publish commands';
  return undefined;
}

export function checkSubscribe(who: Identity, filter: string, rules: readonly DenyRule[]): string | undefined {
  const denied = isDenied(rules, 'subscribe', filter);
  if (denied) return `deny rule ${denied.topic}`;
  if (who.kind === 'anonymous') return undefined;
  if (who.kind === 'internal') {
    // the user's filters must cover everything the subscription can receive
    return who.subscribe.some((f) => filterCovers(f, filter)) ? undefined : 'outside the user\'s subscribe filters';
  }
  return filter === `campus/${who.template}/${who.id}/command` ? undefined : `a device subscribes only to campus/${who.template}/${who.id}/command`;
}
