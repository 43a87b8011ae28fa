/**
 * One simulated MQTT device: its own connection (client id = device id), a
 * retained `online` status with an `offline` last will, and telemetry on a timer.
 */
import mqtt, { type MqttClient } from 'mqtt';

export interface MqttDeviceOptions {
  url: string;
  template: string;
  id: string;
  intervalMs: number;
  qos?: 0 | 1;
  username?: string;
  password?: string;
  /** Produces the next payload; return undefined to skip a tick. */
  next(dtSeconds: number): Record<string, unknown> | undefined;
}

export interface SimDevice {
  readonly id: string;
  readonly template: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Messages sent and acknowledged (QoS 1) so far. */
  counts(): { sent: number; acked: number };
}

export function createMqttDevice(o: MqttDeviceOptions): SimDevice {
  const base = `campus/${o.template}/${o.id}`;
  let client: MqttClient | undefined;
  let timer: NodeJS.Timeout | undefined;
  let last = Date.now();
  const counts = { sent: 0, acked: 0 };

  function tick(): void {
    const now = Date.now();
    const payload = o.next((now - last) / 1000);
    last = now;
    if (!payload || !client?.connected) return;
    counts.sent += 1;
    client.publish(`${base}/telemetry`, JSON.stringify({ ...payload, ts: now }), { qos: o.qos ?? 0 }, (err) => {
      if (!err) counts.acked += 1;
    });
  }

  return {
    id: o.id,
    template: o.template,
    async start() {
      client = await mqtt.connectAsync(o.url, {
        clientId: o.id, clean: true, reconnectPeriod: 1000, connectTimeout: 10_000,
        ...(o.username ? { username: o.username } : {}), ...(o.password ? { password: o.password } : {}),
        will: { topic: `${base}/status`, payload: Buffer.from('offline'), qos: 1, retain: true },
      });
      client.on('connect', () => client?.publish(`${base}/status`, 'online', { qos: 1, retain: true }));
      await client.publishAsync(`${base}/status`, 'online', { qos: 1, retain: true });
      // Stagger the first tick so a room's devices do not all fire at once.
      timer = setTimeout(function loop() {
        tick();
        timer = setTimeout(loop, o.intervalMs);
      }, Math.random() * o.intervalMs);
      tick();
    },
    async stop() {
      if (timer) clearTimeout(timer);
      const c = client;
      client = undefined;
      if (c) {
        await c.publishAsync(`${base}/status`, 'offline', { qos: 1, retain: true }).catch(() => undefined);
        await c.endAsync();
      }
    },
    counts: () => ({ ...counts }),
  };
}
