/**
 * Fault injection at simulated times of day: devices going silent, dropped
 * connections, bad payloads, counter resets, alarms. Each applied fault is
 * logged (with the devices it hit) in the run report.
 */
import type { SimHandle } from './handles.js';
import type { Fault, FaultSelector } from './schema.js';

export interface AppliedFault {
  kind: Fault['kind'];
  at: string;
  devices: string[];
  /** Why a selected device could not take this fault (e.g. no counter). */
  skipped?: string[];
}

export function selectDevices(handles: readonly SimHandle[], s: FaultSelector): SimHandle[] {
  const hits = handles.filter((h) => (s.device === undefined || h.id === s.device)
    && (s.template === undefined || h.template === s.template) && (s.room === undefined || h.room === s.room));
  return hits.slice(0, s.count);
}

/** Applies one fault now; `realMsPerSimMinute` converts `for_min` to real time. */
export function applyFault(f: Fault, handles: readonly SimHandle[], realMsPerSimMinute: number): AppliedFault {
  const hits = selectDevices(handles, f.select);
  const devices: string[] = [];
  const skipped: string[] = [];
  const now = Date.now();
  for (const h of hits) {
    let ok = true;
    switch (f.kind) {
      case 'silent': h.silence(now + f.for_min * realMsPerSimMinute); break;
      case 'disconnect': if (h.disconnect) h.disconnect(); else ok = false; break;
      case 'bad_payload': if (h.bad) h.bad(f.messages); else ok = false; break;
      case 'counter_reset': if (h.resetCounter) h.resetCounter(); else ok = false; break;
      case 'alarm':
        if (h.alarm) {
          const a = h.alarm;
          a(true);
          setTimeout(() => a(false), f.for_min * realMsPerSimMinute).unref();
        } else ok = false;
        break;
    }
    (ok ? devices : skipped).push(h.id);
  }
  return { kind: f.kind, at: f.at, devices, ...(skipped.length ? { skipped } : {}) };
}
