/**
 * Records what a gateway received: subscribes `campus/#` on its broker and
 * writes one JSON line per message, `{"t": ms since start, "topic", "payload",
 * "retain"}` (payload as UTF-8 text, or `payload_b64` when it is not valid UTF-8).
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';

export interface RecordedMessage {
  t: number;
  topic: string;
  payload?: string;
  payload_b64?: string;
  retain?: boolean;
}

export interface RecorderOptions {
  url: string;
  file: string;
  topics?: string[];
  username?: string;
  password?: string;
}

export interface Recorder {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly messages: number;
}

export function encodeMessage(t: number, topic: string, payload: Buffer, retain: boolean): RecordedMessage {
  const text = payload.toString('utf8');
  const exact = Buffer.from(text, 'utf8').equals(payload);
  return { t, topic, ...(exact ? { payload: text } : { payload_b64: payload.toString('base64') }), ...(retain ? { retain } : {}) };
}

export function createRecorder(o: RecorderOptions): Recorder {
  let client: MqttClient | undefined;
  let out: WriteStream | undefined;
  let t0 = 0;
  let messages = 0;
  return {
    get messages() { return messages; },
    async start() {
      out = createWriteStream(o.file, { flags: 'w' });
      t0 = Date.now();
      client = await mqtt.connectAsync(o.url, { clientId: `campus-sim-recorder-${process.pid}`, clean: true, ...(o.username ? { username: o.username, password: o.password } : {}) });
      client.on('message', (topic, payload, packet) => {
        messages++;
        out?.write(`${JSON.stringify(encodeMessage(Date.now() - t0, topic, payload, packet.retain))}\n`);
      });
      await client.subscribeAsync(o.topics ?? ['campus/#'], { qos: 1 });
    },
    async stop() {
      await client?.endAsync();
      client = undefined;
      const s = out;
      out = undefined;
      if (s) await new Promise<void>((r) => s.end(() => r()));
    },
  };
}
