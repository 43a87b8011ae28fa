/**
 * The persistence the broker hands aedes (its `persistence` option): aedes' default memory
 * persistence, wrapped in an object of our own that implements the same interface
 * (aedes-persistence's abstract API) and adds two things aedes lacks:
 * - every session's outgoing queue is bounded to `maxQueueLength` messages: further QoS 1/2
 *   messages for that session are dropped (newest first, like mosquitto's
 *   max_queued_messages) and counted. The count goes down when the client acknowledges
 *   (PUBACK/PUBCOMP), which clears the message from the queue.
 * - it remembers each connection's will (aedes stores it through `putWill` when the CONNECT is
 *   accepted, and publishes that same packet when the connection dies), so `authorizePublish`
 *   can tell a will from a publish (a will is not rate limited: a device cut off for its rate
 *   still gets its `offline` out).
 * Nothing here patches aedes or the inner persistence; any persistence with the interface can
 * be wrapped.
 */
import type { Client } from 'aedes';
import memoryPersistence from 'aedes-persistence';

interface QueueSub {
  clientId: string;
}

/** The part of the persistence interface this wrapper changes; the rest is passed through. */
export interface InnerPersistence {
  setup(broker: unknown): Promise<unknown>;
  outgoingEnqueue(sub: QueueSub, packet: unknown): Promise<unknown>;
  outgoingEnqueueCombi(subs: QueueSub[], packet: unknown): Promise<unknown>;
  outgoingClearMessageId(client: { id: string }, packet: unknown): Promise<unknown>;
  putWill(client: Client, packet: unknown): Promise<unknown>;
}

/** Methods aedes 1.x calls that pass through unchanged; `cleanIncoming` is optional (aedes feature-detects it). */
const PASSED_THROUGH = [
  'storeRetained', 'createRetainedStream', 'createRetainedStreamCombi', 'addSubscriptions', 'removeSubscriptions',
  'subscriptionsByClient', 'countOffline', 'subscriptionsByTopic', 'cleanSubscriptions', 'outgoingUpdate', 'outgoingStream',
  'incomingStorePacket', 'incomingGetPacket', 'incomingDelPacket', 'cleanIncoming', 'getWill', 'delWill', 'streamWill',
  'getClientList', 'destroy',
] as const;

export interface SessionPersistenceOptions {
  maxQueueLength: number;
  /** A message for `clientId`'s session was dropped because its queue was full. */
  onDrop(clientId: string): void;
}

export interface SessionPersistence extends InnerPersistence {
  /** Whether `packet` is the will aedes stored for `client` (the one it publishes when the connection dies). */
  isWill(client: Client, packet: object): boolean;
}

// aedes-persistence is CommonJS (`module.exports = factory`) while its types declare a default
// export, so under nodenext the default import is typed as the module: it is the factory.
const newMemoryPersistence = memoryPersistence as unknown as () => InnerPersistence;

export function createSessionPersistence(options: SessionPersistenceOptions, inner: InnerPersistence = newMemoryPersistence()): SessionPersistence {
  const lengths = new Map<string, number>();
  const wills = new WeakMap<Client, unknown>();

  function admit(sub: QueueSub): boolean {
    const n = lengths.get(sub.clientId) ?? 0;
    if (n >= options.maxQueueLength) {
      options.onDrop(sub.clientId);
      return false;
    }
    lengths.set(sub.clientId, n + 1);
    return true;
  }

  const own: SessionPersistence = {
    // aedes requires an async function here (it checks setup.constructor.name)
    async setup(broker) {
      return inner.setup(broker);
    },
    async outgoingEnqueue(sub, packet) {
      if (admit(sub)) await inner.outgoingEnqueue(sub, packet);
    },
    async outgoingEnqueueCombi(subs, packet) {
      const admitted = subs.filter(admit);
      if (admitted.length > 0) await inner.outgoingEnqueueCombi(admitted, packet);
    },
    async outgoingClearMessageId(client, packet) {
      const removed = await inner.outgoingClearMessageId(client, packet);
      if (removed) {
        const n = (lengths.get(client.id) ?? 1) - 1;
        if (n <= 0) lengths.delete(client.id);
        else lengths.set(client.id, n);
      }
      return removed;
    },
    putWill(client, packet) {
      wills.set(client, packet);
      return inner.putWill(client, packet);
    },
    isWill: (client, packet) => wills.get(client) === packet,
  };
  const source = inner as unknown as Record<string, unknown>;
  const target = own as unknown as Record<string, unknown>;
  for (const name of PASSED_THROUGH) {
    const method = source[name];
    if (typeof method === 'function') target[name] = (method as (...args: unknown[]) => unknown).bind(inner);
  }
  return own;
}
