/**
 * The broker's resource limits, each a small piece aedes lacks:
 * - a token bucket per client for the publish rate,
 * - a guard on the MQTT fixed header that refuses a packet whose Remaining
 *   Length exceeds the maximum before its body is buffered,
 * - a wrapper around the persistence that bounds each persistent session's
 *   outgoing queue (aedes's memory persistence lets it grow without limit).
 */
import type { Client } from 'aedes';

export interface TokenBucket {
  /** Takes one token; false when the bucket is empty. */
  take(): boolean;
}

/** `ratePerSecond` tokens per second, holding at most `burst`. */
export function createTokenBucket(ratePerSecond: number, burst: number, now: () => number = Date.now): TokenBucket {
  let tokens = burst;
  let last = now();
  return {
    take() {
      const t = now();
      // max(0, …): a wall clock stepped back (NTP) must not drive the bucket negative for that long.
      tokens = Math.min(burst, tokens + (Math.max(0, t - last) * ratePerSecond) / 1000);
      last = t;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}

/**
 * Token buckets by key (`ratePerSecond`, burst = one second's worth), the least recently
 * used forgotten first beyond `maxBuckets`.
 */
export function createBucketTable(ratePerSecond: number, maxBuckets: number, now: () => number = Date.now): (key: string) => TokenBucket {
  const buckets = new Map<string, TokenBucket>();
  return (key) => {
    let bucket = buckets.get(key);
    if (bucket) {
      buckets.delete(key); // re-insert: Map order = least recently used first
    } else {
      bucket = createTokenBucket(ratePerSecond, ratePerSecond, now);
      while (buckets.size >= maxBuckets) {
        const oldest = buckets.keys().next().value;
        if (oldest === undefined) break;
        buckets.delete(oldest);
      }
    }
    buckets.set(key, bucket);
    return bucket;
  };
}

interface PacketParserLike {
  packet: { length: number; cmd?: string };
  _parseLength(): boolean;
  _emitError(err: Error): void;
}

export class PacketTooLargeError extends Error {
  constructor(readonly length: number, readonly max: number) {
    super(`GW_ERR_PACKET_TOO_LARGE: packet of ${length} bytes exceeds the maximum of ${max}`);
  }
}

/**
 * Makes the client's mqtt-packet parser refuse a packet as soon as its fixed header
 * announces a Remaining Length above `maxBytes`; the parser error closes the
 * connection (MQTT 3.1.1 has no way to tell the client why).
 */
export function guardPacketSize(client: Client, maxBytes: number, onOversize: (length: number) => void): void {
  const parser = (client as unknown as { _parser?: PacketParserLike })._parser;
  if (!parser || typeof parser._parseLength !== 'function' || typeof parser._emitError !== 'function') {
    throw new Error('GW_ERR_AEDES_INTERNALS: aedes client has no mqtt-packet parser to guard (aedes version changed?)');
  }
  const parseLength = parser._parseLength.bind(parser);
  parser._parseLength = function guardedParseLength(): boolean {
    const done = parseLength();
    if (done && parser.packet.length > maxBytes) {
      onOversize(parser.packet.length);
      parser._emitError(new PacketTooLargeError(parser.packet.length, maxBytes));
      return false;
    }
    return done;
  };
}

interface QueueSub {
  clientId: string;
}

/** The part of an aedes persistence this wrapper changes. */
interface OutgoingPersistence {
  outgoingEnqueue(sub: QueueSub, packet: unknown): Promise<void>;
  outgoingEnqueueCombi(subs: QueueSub[], packet: unknown): Promise<void>;
  outgoingClearMessageId(client: { id: string }, packet: unknown): Promise<unknown>;
}

/**
 * Bounds every session's outgoing queue to `maxLength` messages: further QoS 1/2
 * messages for that session are dropped (newest first, like mosquitto's
 * max_queued_messages) and counted. The count goes down when the client
 * acknowledges (PUBACK/PUBCOMP), which clears the message from the queue.
 */
export function boundOutgoingQueues<P extends object>(persistence: P, maxLength: number, onDrop: (clientId: string) => void): P {
  const target = persistence as unknown as OutgoingPersistence;
  const lengths = new Map<string, number>();
  const enqueue = target.outgoingEnqueue.bind(target);
  const enqueueCombi = target.outgoingEnqueueCombi.bind(target);
  const clear = target.outgoingClearMessageId.bind(target);

  function admit(sub: QueueSub): boolean {
    const n = lengths.get(sub.clientId) ?? 0;
    if (n >= maxLength) {
      onDrop(sub.clientId);
      return false;
    }
    lengths.set(sub.clientId, n + 1);
    return true;
  }

  target.outgoingEnqueue = async (sub, packet) => {
    if (admit(sub)) await enqueue(sub, packet);
  };
  target.outgoingEnqueueCombi = async (subs, packet) => {
    const admitted = subs.filter(admit);
    if (admitted.length > 0) await enqueueCombi(admitted, packet);
  };
  target.outgoingClearMessageId = async (client, packet) => {
    const removed = await clear(client, packet);
    if (removed) {
      const n = (lengths.get(client.id) ?? 1) - 1;
      if (n <= 0) lengths.delete(client.id);
      else lengths.set(client.id, n);
    }
    return removed;
  };
  return persistence;
}
