/**
 * Replays a recording (see recorder.ts) against a broker at 1× or faster,
 * keeping the recorded spacing divided by `speed`. Retained status messages
 * are replayed retained. Publishes with QoS 1 and counts acknowledgements.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import mqtt from 'mqtt';
import type { RecordedMessage } from './recorder.js';

export interface ReplayOptions {
  url: string;
  file: string;
  /** 1 = as recorded; 10 = ten times faster; Infinity = as fast as possible. */
  speed?: number;
  qos?: 0 | 1;
  username?: string;
  password?: string;
}

export interface ReplayResult {
  messages: number;
  acked: number;
  skipped: number;
  duration_ms: number;
}

export function decodeMessage(line: string): RecordedMessage | undefined {
  try {
    const m = JSON.parse(line) as RecordedMessage;
    return typeof m.t === 'number' && typeof m.topic === 'string' ? m : undefined;
  } catch {
    return undefined;
  }
}

export async function replayRecording(o: ReplayOptions): Promise<ReplayResult> {
  const speed = o.speed ?? 1;
  const qos = o.qos ?? 1;
  const client = await mqtt.connectAsync(o.url, { clientId: `campus-sim-replay-${process.pid}`, clean: true, ...(o.username ? { username: o.username, password: o.password } : {}) });
  const started = Date.now();
  const result: ReplayResult = { messages: 0, acked: 0, skipped: 0, duration_ms: 0 };
  const pending: Array<Promise<void>> = [];
  try {
    for await (const line of createInterface({ input: createReadStream(o.file), crlfDelay: Infinity })) {
      if (!line.trim()) continue;
      const m = decodeMessage(line);
      if (!m) { result.skipped++; continue; }
      const due = started + m.t / speed;
      const wait = due - Date.now();
      if (Number.isFinite(wait) && wait > 1) await new Promise((r) => setTimeout(r, wait));
      const payload = m.payload_b64 !== undefined ? Buffer.from(m.payload_b64, 'base64') : Buffer.from(m.payload ?? '', 'utf8');
      result.messages++;
      pending.push(client.publishAsync(m.topic, payload, { qos, retain: m.retain ?? false }).then(() => { result.acked++; }, () => undefined));
      if (pending.length >= 1000) await Promise.all(pending.splice(0));
    }
    await Promise.all(pending);
  } finally {
    await client.endAsync();
  }
  result.duration_ms = Date.now() - started;
  return result;
}
