import type { Client } from 'aedes';
import { describe, expect, it } from 'vitest';
import { createSessionPersistence, type InnerPersistence } from './session-persistence.js';

function recordingInner(extra: Record<string, unknown> = {}): InnerPersistence & { queued: string[]; cleared: number } {
  const inner = {
    queued: [] as string[],
    cleared: 0,
    async setup() { /* nothing */ },
    async outgoingEnqueue(sub: { clientId: string }) { inner.queued.push(sub.clientId); },
    async outgoingEnqueueCombi(subs: Array<{ clientId: string }>) { for (const s of subs) inner.queued.push(s.clientId); },
    async outgoingClearMessageId() { inner.cleared += 1; return { messageId: 1 }; },
    async putWill() { /* stored */ },
    ...extra,
  };
  return inner;
}

describe('createSessionPersistence', () => {
  it('bounds each session\'s outgoing queue, newest dropped, and makes room again on acknowledgement', async () => {
    const inner = recordingInner();
    const drops: string[] = [];
    const p = createSessionPersistence({ maxQueueLength: 2, onDrop: (id) => drops.push(id) }, inner);
    await p.outgoingEnqueue({ clientId: 'a' }, {});
    await p.outgoingEnqueueCombi([{ clientId: 'a' }, { clientId: 'b' }], {});
    await p.outgoingEnqueueCombi([{ clientId: 'a' }, { clientId: 'b' }], {});
    expect(inner.queued).toEqual(['a', 'a', 'b', 'b']);
    expect(drops).toEqual(['a']);
    await p.outgoingClearMessageId({ id: 'a' }, {});
    await p.outgoingEnqueue({ clientId: 'a' }, {});
    expect(inner.queued.filter((c) => c === 'a')).toHaveLength(3);
  });

  it('knows the will aedes stored for a client, and only that packet', async () => {
    const p = createSessionPersistence({ maxQueueLength: 1, onDrop: () => undefined }, recordingInner());
    const client = { id: 'light-1' } as Client;
    const will = { topic: 'campus/classroom-light/light-1/status', payload: Buffer.from('offline') };
    await p.putWill(client, will);
    expect(p.isWill(client, will)).toBe(true);
    expect(p.isWill(client, { ...will })).toBe(false);
    expect(p.isWill({ id: 'light-1' } as Client, will)).toBe(false);
  });

  it('has an async setup (aedes checks it) and passes through only the methods the inner persistence has', async () => {
    let setUp: unknown;
    const inner = recordingInner({ async setup(b: unknown) { setUp = b; }, getWill: () => 'w' });
    const p = createSessionPersistence({ maxQueueLength: 1, onDrop: () => undefined }, inner) as unknown as Record<string, unknown>;
    expect((p.setup as () => unknown).constructor.name).toBe('AsyncFunction');
    await (p.setup as (b: unknown) => Promise<void>)('broker');
    expect(setUp).toBe('broker');
    expect((p.getWill as () => unknown)()).toBe('w');
    // aedes feature-detects cleanIncoming: it must be absent when the inner persistence lacks it
    expect(p.cleanIncoming).toBeUndefined();
  });

  it('wraps aedes\' default memory persistence when none is given', async () => {
    const p = createSessionPersistence({ maxQueueLength: 1, onDrop: () => undefined }) as unknown as Record<string, unknown>;
    for (const name of ['storeRetained', 'subscriptionsByTopic', 'outgoingStream', 'cleanIncoming', 'delWill', 'streamWill']) {
      expect(typeof p[name], name).toBe('function');
    }
  });
});
