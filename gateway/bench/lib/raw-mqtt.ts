/**
 * A lean MQTT 3.1.1 client for load generation: packets built and parsed by mqtt-packet (the
 * codec MQTT.js itself uses) on a plain TCP socket, with no outgoing store, reconnect logic or
 * per-message timers. The load generator shares the machine with what it measures: with MQTT.js
 * publishers and subscriber, the bench process used a whole core at ~45,000 QoS 1 msg/s through
 * plain aedes, so that "ceiling" was the generator's speed (41-58k msg/s between runs minutes
 * apart), and at 5,000 msg/s open loop its own lateness was a third of the PUBACK p99. Writes
 * made in one turn of the event loop leave in one syscall (the socket is corked until the next
 * tick), as a device or a pen receiver sends a burst.
 */
import net from 'node:net';
import mqttPacket, { type Packet } from 'mqtt-packet';

export interface RawClient {
  /** Sends a PUBLISH. QoS 1: `onAck` runs at its PUBACK, or with an error if the connection closes first; QoS 0: once written to the socket. */
  publish(topic: string, payload: string | Buffer, qos: 0 | 1, onAck?: (err?: Error) => void): void;
  /** Subscribes; each PUBLISH received goes to `onMessage` (and is acknowledged when QoS 1). */
  subscribe(filter: string, qos: 0 | 1, onMessage: (topic: string, payload: Buffer) => void): Promise<void>;
  /** Publishes not yet acknowledged. */
  inFlight(): number;
  /** DISCONNECT, then waits for the socket to close. */
  end(): Promise<void>;
}

/** `mqtt://host:port` → host and port. */
function target(url: string): { host: string; port: number } {
  const u = new URL(url);
  if (u.protocol !== 'mqtt:') throw new Error(`raw-mqtt: only mqtt:// URLs (got ${u.protocol})`);
  return { host: u.hostname, port: Number(u.port || 1883) };
}

export async function connectRaw(url: string, clientId: string, keepalive = 300): Promise<RawClient> {
  const socket = net.connect(target(url));
  socket.setNoDelay(true);
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  /** PUBACK callbacks by packet id. */
  const acks = new Map<number, (err?: Error) => void>();
  let nextId = 0;
  let corked = false;
  let onConnack: ((code: number) => void) | undefined;
  let onSuback: (() => void) | undefined;
  let onMessage: ((topic: string, payload: Buffer) => void) | undefined;
  let closed = false;

  /** `written` runs once the packet has left for the kernel (QoS 0's "sent", and backpressure). */
  const send = (p: Packet, written?: () => void): void => {
    if (!corked) {
      corked = true;
      socket.cork();
      process.nextTick(() => { corked = false; socket.uncork(); });
    }
    socket.write(mqttPacket.generate(p), written);
  };

  parser.on('packet', (p: Packet) => {
    if (p.cmd === 'puback') {
      const cb = acks.get(p.messageId!);
      if (cb) {
        acks.delete(p.messageId!);
        cb();
      }
    } else if (p.cmd === 'publish') {
      if (p.qos === 1) send({ cmd: 'puback', messageId: p.messageId! });
      onMessage?.(p.topic, p.payload as Buffer);
    } else if (p.cmd === 'connack') {
      onConnack?.(p.returnCode ?? 0);
    } else if (p.cmd === 'suback') {
      onSuback?.();
    }
  });
  parser.on('error', (err: Error) => socket.destroy(err));
  socket.on('data', (chunk: Buffer) => parser.parse(chunk));
  const gone = new Promise<void>((resolve) => socket.once('close', () => {
    closed = true;
    const err = new Error('connection closed before PUBACK');
    const waiting = [...acks.values()];
    acks.clear();
    for (const cb of waiting) cb(err);
    resolve();
  }));
  socket.on('error', () => { /* 'close' follows and fails what waits */ });

  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId, keepalive }));
    onConnack = (code) => (code === 0 ? resolve() : reject(new Error(`raw-mqtt: CONNACK return code ${code} for ${clientId}`)));
    void gone.then(() => reject(new Error(`raw-mqtt: connection of ${clientId} closed before CONNACK`)));
  });
  onConnack = undefined;

  return {
    publish(topic, payload, qos, onAck) {
      if (closed) { onAck?.(new Error('connection closed')); return; }
      if (qos === 0) {
        send({ cmd: 'publish', topic, payload, qos: 0, retain: false, dup: false }, onAck && (() => onAck()));
        return;
      }
      // Packet ids 1-65535; a window far below that never meets an id still in flight.
      nextId = (nextId % 65535) + 1;
      acks.set(nextId, onAck ?? (() => {}));
      send({ cmd: 'publish', topic, payload, qos: 1, messageId: nextId, retain: false, dup: false });
    },
    subscribe(filter, qos, handler) {
      onMessage = handler;
      return new Promise<void>((resolve) => {
        onSuback = resolve;
        send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: filter, qos }] });
      });
    },
    inFlight: () => acks.size,
    async end() {
      if (!closed) {
        send({ cmd: 'disconnect' });
        socket.end();
      }
      await gone;
    },
  };
}
