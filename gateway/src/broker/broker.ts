/**
 * The embedded MQTT 3.1.1 broker (aedes) on a TCP listener. Device telemetry and
 * events are handed to ingest from `authorizePublish`, which runs before aedes
 * sends PUBACK [MQTT-4.3.2]: for QoS 1 the callback waits until the readings are
 * stored, so an acknowledged reading is a stored reading. Status messages
 * (including last wills) are taken from the `publish` event.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Aedes, type AedesPublishPacket, type Client, type PublishPacket } from 'aedes';
import type { Logger } from 'pino';
import { parseDeviceTopic, type DeviceTopic } from '../core/topics.js';

export interface BrokerOptions {
  port: number;
  host: string;
}

export interface BrokerDeps {
  log: Logger;
  /** Called for device telemetry/event publishes; the returned promise gates the QoS 1 PUBACK. */
  onDevicePublish(topic: DeviceTopic, payload: Buffer, receivedAt: number): Promise<void>;
  /** Called for device status publishes (retained status and last wills). */
  onDeviceStatus(topic: DeviceTopic, payload: Buffer, receivedAt: number): void;
  /** Extra authorization hooks (issue: broker hardening). */
  authorizePublish?(client: Client, packet: PublishPacket): Error | null;
}

export interface Broker {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The port actually bound (useful with port 0). */
  port(): number;
  publish(topic: string, payload: string | Buffer, opts?: { qos?: 0 | 1; retain?: boolean }): Promise<void>;
  connectedClients(): number;
  stats(): { connections: number; published: number; ingestErrors: number };
  aedes(): Aedes;
}

export function createBroker(options: BrokerOptions, deps: BrokerDeps): Broker {
  const log = deps.log.child({ component: 'broker' });
  let aedes: Aedes | undefined;
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  const counters = { connections: 0, published: 0, ingestErrors: 0 };

  function authorizePublish(client: Client | null, packet: PublishPacket, callback: (err?: Error | null) => void): void {
    if (client && deps.authorizePublish) {
      const denied = deps.authorizePublish(client, packet);
      if (denied) return callback(denied);
    }
    const topic = parseDeviceTopic(packet.topic);
    if (!topic || (topic.channel !== 'telemetry' && topic.channel !== 'event')) return callback(null);
    counters.published += 1;
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    const stored = deps.onDevicePublish(topic, payload, Date.now());
    if (packet.qos === 0) {
      stored.catch((err: unknown) => {
        counters.ingestErrors += 1;
        log.warn({ err, topic: packet.topic }, 'QoS 0 reading could not be stored');
      });
      return callback(null);
    }
    stored.then(
      () => callback(null),
      (err: unknown) => {
        // Not stored: refuse, so the client's QoS 1 retry delivers it again later.
        counters.ingestErrors += 1;
        log.warn({ err, topic: packet.topic }, 'QoS 1 reading could not be stored; not acknowledged');
        callback(err instanceof Error ? err : new Error(String(err)));
      },
    );
  }

  function onPublish(packet: AedesPublishPacket, client: Client | null): void {
    if (!client && !packet.topic.endsWith('/status')) return;
    const topic = parseDeviceTopic(packet.topic);
    if (topic?.channel === 'status') {
      deps.onDeviceStatus(topic, Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload), Date.now());
    }
  }

  return {
    async start() {
      aedes = await Aedes.createBroker({ authorizePublish });
      aedes.on('publish', onPublish);
      aedes.on('clientError', (client, err) => log.debug({ client: client.id, err: err.message }, 'client error'));
      aedes.on('connectionError', (_client, err) => log.debug({ err: err.message }, 'connection error'));
      const a = aedes;
      server = createServer((socket) => {
        socket.setNoDelay(true);
        counters.connections += 1;
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        a.handle(socket);
      });
      const srv = server;
      await new Promise<void>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(options.port, options.host, () => {
          srv.off('error', reject);
          resolve();
        });
      });
      log.info({ port: (srv.address() as AddressInfo).port, host: options.host }, 'MQTT broker listening');
    },
    async stop() {
      const srv = server;
      const a = aedes;
      server = undefined;
      aedes = undefined;
      for (const s of sockets) s.destroy();
      if (srv) await new Promise<void>((resolve) => srv.close(() => resolve()));
      if (a) await new Promise<void>((resolve) => a.close(() => resolve()));
    },
    port() {
      return server ? (server.address() as AddressInfo).port : 0;
    },
    publish(topic, payload, opts = {}) {
      const a = aedes;
      if (!a) return Promise.reject(new Error('GW_ERR_BROKER_CLOSED: broker is not started'));
      return new Promise<void>((resolve, reject) => {
        a.publish(
          { cmd: 'publish', topic, payload: typeof payload === 'string' ? Buffer.from(payload) : payload, qos: opts.qos ?? 0, retain: opts.retain ?? false, dup: false },
          (err) => (err ? reject(err) : resolve()),
        );
      });
    },
    connectedClients: () => aedes?.connectedClients ?? 0,
    stats: () => ({ ...counters }),
    aedes() {
      if (!aedes) throw new Error('GW_ERR_BROKER_CLOSED: broker is not started');
      return aedes;
    },
  };
}
