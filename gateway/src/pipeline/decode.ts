/**
 * Stage 2, decode: the template engine (`templates/`) turns each transport's raw input into
 * normalized readings, in the template's fixed transform order (raw → bit/mask → byte/word
 * order → scale → offset → range check). A decoder's refusal becomes a rejection with what the
 * operator may see of the input (rejections.ts decides what is shown for a personal template).
 */
import type { FieldValue, Reading } from '../core/reading.js';
import { decodeModbus, decodeMqtt, decodeSerialLine, type RegisterBlocks, type Template } from '../templates/index.js';
import type { MqttInput, PipelineInput } from './receive.js';
import { RAW_PREVIEW, type Rejection } from './rejections.js';

/** How a rejected MQTT publish is described: channel, topic, size and the start of the payload. */
export function mqttInputShown(input: MqttInput): Pick<Rejection, 'channel' | 'topic' | 'bytes' | 'raw'> {
  const { template, device, channel } = input.topic;
  return { channel, topic: `campus/${template}/${device}/${channel}`, bytes: input.payload.length, raw: input.payload.toString('utf8', 0, RAW_PREVIEW) };
}

/** The template field a decoder's refusal is about, when it names one: the same for every transport. */
function fieldOf(result: { field?: string | undefined }): { field?: string } {
  return result.field === undefined ? {} : { field: result.field };
}

/** The readings of the input, or undefined when it was rejected (already reported through `reject`). */
export function decode(input: PipelineInput, template: Template, reject: (r: Rejection) => void): Reading[] | undefined {
  switch (input.transport) {
    case 'mqtt': {
      const { device, channel } = input.topic;
      if (channel === 'status' || channel === 'command') return undefined; // receive.ts handled them
      const result = decodeMqtt(template, input.payload, { device, channel, receivedAt: input.at });
      if (result.ok) return result.readings;
      reject({ device, template: template.id, code: result.code, reason: result.reason, ...fieldOf(result), ...mqttInputShown(input) });
      return undefined;
    }
    case 'modbus': {
      const result = decodeModbus(template, input.registers, { device: input.device, receivedAt: input.at });
      if (result.ok) return result.readings;
      reject({ device: input.device, template: template.id, code: result.code, reason: result.reason, ...fieldOf(result), raw: showBlocks(input.registers) });
      return undefined;
    }
    case 'serial':
      return decodeLines(input.device, template, input.lines, input.poll === true, input.at, reject);
  }
}

/**
 * Each line decoded alone; a bad line is rejected by itself. The replies of a poll cycle (a
 * PJLink projector answers one query per line) are merged into one reading at the cycle's start.
 */
function decodeLines(device: string, template: Template, lines: readonly string[], poll: boolean, at: number, reject: (r: Rejection) => void): Reading[] | undefined {
  const out: Reading[] = [];
  let merged: Record<string, FieldValue> | undefined;
  for (const line of lines) {
    const result = decodeSerialLine(template, line, { device, receivedAt: at });
    if (!result.ok) {
      reject({ device, template: template.id, code: result.code, reason: result.reason, ...fieldOf(result), raw: line.slice(0, 200) });
      continue;
    }
    if (!poll) out.push(...result.readings);
    else for (const r of result.readings) Object.assign((merged ??= {}), r.fields);
  }
  if (merged !== undefined && Object.keys(merged).length > 0) out.push({ template: template.id, device, ts: at, fields: merged, tags: {} });
  return out.length > 0 ? out : undefined;
}

/** The registers read, for a rejection's `raw` (500 characters at most). */
export function showBlocks(b: RegisterBlocks): string {
  const parts: string[] = [];
  for (const table of ['coil', 'discrete', 'holding', 'input'] as const) {
    const m = b[table];
    if (m?.size) parts.push(`${table}[${[...m].map(([a, v]) => `${a}=${typeof v === 'boolean' ? Number(v) : v}`).join(' ')}]`);
  }
  return parts.join(' ').slice(0, 500);
}
