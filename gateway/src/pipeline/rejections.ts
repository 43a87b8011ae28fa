/**
 * A rejection as others see it: the message on `gateway/<site-id>/rejected` (any subscriber the
 * broker's ACL lets in), the device's `lastError` (facilities and teachers read it through the
 * API) and the debug log. None of them may carry a personal value, so what they hold depends on
 * the template:
 * - a personal template (a field marked `privacy: id` or `health`): template, the device by its
 *   pseudonym, code, field, channel, the input's size in bytes, and the reason, which the decoders
 *   write without the values of personal fields or excerpts of the input;
 * - an unknown template: the same, with the device id as is (nothing says it is personal);
 * - any other template: also the device id, the topic and a short start of the raw input.
 */
import type { Template } from '../templates/index.js';

export interface Rejection {
  device: string;
  template: string;
  code: string;
  reason: string;
  /** The template field the rejection is about, when there is one. */
  field?: string;
  channel?: string;
  topic?: string;
  /** The start of the raw input, for the operator: published only for a non-personal template. */
  raw?: string;
  /** Size of the input in bytes. */
  bytes?: number;
}

export interface RejectionMessage {
  ts: string;
  template: string;
  /** The device id, or its pseudonym for a personal template (absent when none can be made). */
  device?: string;
  code: string;
  reason: string;
  field?: string;
  channel?: string;
  topic?: string;
  bytes?: number;
  raw?: string;
}

/** Characters of raw input a non-personal template's rejection shows. */
export const RAW_PREVIEW = 120;

export type Privacy = 'personal' | 'unknown' | 'none';

/** personal: a field with a privacy class. */
export function privacyOf(t: Pick<Template, 'fields'> | undefined): Privacy {
  if (t === undefined) return 'unknown';
  return t.fields.some((f) => f.privacy !== undefined) ? 'personal' : 'none';
}

/** What may be shown of one rejection, given its template's privacy. */
export function rejectionMessage(r: Rejection, privacy: Privacy, pseudonym: ((id: string) => string) | undefined, now: number): RejectionMessage {
  const m: RejectionMessage = { ts: new Date(now).toISOString(), template: r.template, code: r.code, reason: r.reason };
  if (privacy === 'personal') {
    const p = pseudonymOf(r.device, pseudonym);
    if (p !== undefined) m.device = p;
  } else m.device = r.device;
  if (r.field !== undefined) m.field = r.field;
  if (r.channel !== undefined) m.channel = r.channel;
  if (r.bytes !== undefined) m.bytes = r.bytes;
  if (privacy === 'none') {
    if (r.topic !== undefined) m.topic = r.topic;
    if (r.raw !== undefined) m.raw = r.raw.slice(0, RAW_PREVIEW);
  }
  return m;
}

function pseudonymOf(device: string, pseudonym: ((id: string) => string) | undefined): string | undefined {
  try {
    return pseudonym?.(device);
  } catch {
    return undefined; // no key yet (not started): leave the device out rather than show it
  }
}

/** The reading a rejection message describes, for listeners: only what the message shows. */
export function shownRejection(r: Rejection, m: RejectionMessage): Rejection {
  const { ts: _ts, device, ...rest } = m;
  return { ...rest, device: device ?? '', template: r.template };
}
