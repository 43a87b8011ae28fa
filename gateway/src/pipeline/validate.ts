/**
 * Stage 3, validate: checks a decoder cannot make alone, the same for every transport. The
 * decoders already checked each field (type, range, storable strings); here the reading's time
 * is checked against the gateway's clock.
 *
 * Timestamp policy: a reading more than 24 h ahead of the gateway's clock is rejected (the
 * device's clock is wrong; stored, it would freeze the device's latest values until that date).
 * Past timestamps are accepted (a device replaying its backlog); retention prunes the old ones.
 */
import type { Reading } from '../core/reading.js';
import { mqttInputShown } from './decode.js';
import type { PipelineInput } from './receive.js';
import type { Rejection } from './rejections.js';

export const MAX_FUTURE_MS = 24 * 3_600_000;

/** True when every reading passes; otherwise the first problem is rejected (through `reject`). */
export function validate(input: PipelineInput, templateId: string, readings: readonly Reading[], reject: (r: Rejection) => void): boolean {
  const tooLate = input.at + MAX_FUTURE_MS;
  for (const r of readings) {
    if (r.ts > tooLate) {
      reject({
        device: r.device, template: templateId, code: 'out_of_range',
        reason: `ts ${new Date(r.ts).toISOString()} is more than 24 h ahead of the gateway's clock (${new Date(input.at).toISOString()}); is the device's clock set?`,
        ...(input.transport === 'mqtt' && mqttInputShown(input)),
      });
      return false;
    }
  }
  return true;
}
