/**
 * What any stage does with a bad input: count it by code, set the device's `lastError`, publish
 * the rejection message on `gateway/<site-id>/rejected` (rejections.ts decides what it may show:
 * no personal value, ever), log it at debug and hand the shown form to the listeners
 * (summaries count rejections by code).
 */
import type { Logger } from 'pino';
import type { DeviceRegistry } from '../registry/device-registry.js';
import type { Template } from '../templates/index.js';
import type { ReadingListener } from './fanout.js';
import { privacyOf, rejectionMessage, shownRejection, type Privacy, type Rejection } from './rejections.js';

export interface RejecterDeps {
  log: Logger;
  templates: { get(id: string): Template | undefined };
  registry: Pick<DeviceRegistry, 'get' | 'setError'>;
  listeners: readonly ReadingListener[];
  /** Rejections per code, kept by the caller. */
  counts: Record<string, number>;
  publish(payload: string): void;
  pseudonym?: (id: string) => string;
  now?: () => number;
}

export function createRejecter(deps: RejecterDeps): (r: Rejection) => void {
  const now = deps.now ?? Date.now;

  /** A template we do not know may be a personal device's whose template went away: ask the registry. */
  function privacyFor(templateId: string, device: string): Privacy {
    const own = privacyOf(deps.templates.get(templateId));
    if (own !== 'unknown') return own;
    const known = deps.registry.get(device)?.template;
    return known === undefined || known === templateId ? 'unknown' : privacyOf(deps.templates.get(known)) === 'personal' ? 'personal' : 'unknown';
  }

  return (r) => {
    deps.counts[r.code] = (deps.counts[r.code] ?? 0) + 1;
    const message = rejectionMessage(r, privacyFor(r.template, r.device), deps.pseudonym, now());
    deps.log.debug({ rejection: message }, 'reading rejected');
    deps.registry.setError(r.device, r.template, `${r.code}: ${r.reason}`);
    try {
      deps.publish(JSON.stringify(message));
    } catch (err) {
      deps.log.warn({ err }, 'could not publish a rejection');
    }
    const shown = shownRejection(r, message);
    for (const l of deps.listeners) l.rejected?.(shown);
  };
}
