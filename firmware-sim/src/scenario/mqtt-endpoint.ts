/**
 * One MQTT connection of the simulated school: a device's own, or a pen
 * receiver's / wristband base's that carries its pens' or bands' messages.
 * Retained `online` status with an `offline` last will; every publish is
 * counted in the tally, and its acknowledgement (QoS 1) too.
 */
import mqtt, { type MqttClient } from 'mqtt';
import type { Tally } from './tally.js';

export interface EndpointOptions {
  url: string;
  clientId: string;
  /** `campus/<template>/<id>` of the connection's own device (status + will). */
  base: string;
  qos: 0 | 1;
  username?: string;
  password?: string;
}

export interface Endpoint {
  start(): Promise<void>;
  /** Waits (bounded) for outstanding acknowledgements, publishes `offline` and disconnects. */
  stop(): Promise<void>;
  readonly connected: boolean;
  /** Publishes one message for `device`; `readings` is how many readings it carries. */
  publish(device: { id: string; template: string; transport: string }, channel: 'telemetry' | 'event', body: string, readings: number, bad?: boolean): void;
  /** Drops the TCP connection without DISCONNECT (the broker fires the will); mqtt.js reconnects. */
  drop(): void;
  inflight(): number;
}

/** How long stop() waits for outstanding acknowledgements, then for each goodbye step. */
const STOP_DRAIN_MS = 15_000;
const STOP_STEP_MS = 3_000;

export function createEndpoint(o: EndpointOptions, tally: Tally): Endpoint {
  let client: MqttClient | undefined;
  let inflight = 0;
  const online = () => client?.publish(`${o.base}/status`, 'online', { qos: 1, retain: true });
  return {
    async start() {
      client = await mqtt.connectAsync(o.url, {
        clientId: o.clientId, clean: true, reconnectPeriod: 1000, connectTimeout: 30_000, keepalive: 60,
        ...(o.username ? { username: o.username } : {}), ...(o.password ? { password: o.password } : {}),
        will: { topic: `${o.base}/status`, payload: Buffer.from('offline'), qos: 1, retain: true },
      });
      client.on('connect', () => online());
      client.on('error', () => undefined);
      (client.stream as { setNoDelay?: (v: boolean) => void }).setNoDelay?.(true);
      online();
    },
    get connected() { return client?.connected ?? false; },
    publish(device, channel, body, readings, bad = false) {
      const c = client;
      if (!c?.connected) return;
      const count = tally.get(device.id, device.template, device.transport);
      if (bad) count.bad_msgs++;
      else { count.sent_msgs++; count.sent_readings += readings; }
      inflight++;
      const t = performance.now();
      c.publish(`campus/${device.template}/${device.id}/${channel}`, body, { qos: o.qos }, (err) => {
        inflight--;
        if (err || o.qos === 0) return;
        if (bad) count.bad_acked++;
        else { count.acked_msgs++; count.acked_readings += readings; tally.latency(performance.now() - t); }
      });
    },
    drop() {
      client?.stream.destroy();
    },
    inflight: () => inflight,
    async stop() {
      const c = client;
      client = undefined;
      if (!c) return;
      const deadline = Date.now() + STOP_DRAIN_MS;
      while (inflight > 0 && Date.now() < deadline && c.connected) await new Promise((r) => setTimeout(r, 50));
      // A gateway still draining a backlog may take long to acknowledge: bound the goodbye.
      const bounded = (p: Promise<unknown>) => Promise.race([p.catch(() => undefined), new Promise((r) => setTimeout(r, STOP_STEP_MS))]);
      await bounded(c.publishAsync(`${o.base}/status`, 'offline', { qos: 1, retain: true }));
      await bounded(c.endAsync());
      if (!c.disconnected) c.end(true);
    },
  };
}
