import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openOutbox } from './outbox.js';

const path = () => join(mkdtempSync(join(tmpdir(), 'outbox-')), 'uplink', 'outbox.db');

describe('outbox', () => {
  it('keeps messages in order across a reopen until they are removed', () => {
    const file = path();
    const a = openOutbox(file, 10);
    for (const id of ['a', 'b', 'c']) a.push({ id, topic: 't', payload: `{"id":"${id}"}`, priority: 0 });
    a.remove(a.next(0, 1)[0]!.seq);
    a.close();
    const b = openOutbox(file, 10);
    expect(b.next(0, 10).map((e) => e.id)).toEqual(['b', 'c']);
    expect(b.size()).toBe(2);
    const [first] = b.next(0, 1);
    expect(b.next(first!.seq, 10).map((e) => e.id)).toEqual(['c']);
    b.close();
  });

  it('when full drops the oldest message of the lowest priority and counts it, persistently', () => {
    const file = path();
    const o = openOutbox(file, 3);
    o.push({ id: 'alarm-1', topic: 't', payload: '{}', priority: 3 });
    o.push({ id: 'win-1', topic: 't', payload: '{}', priority: 0 });
    o.push({ id: 'hour-1', topic: 't', payload: '{}', priority: 1 });
    o.push({ id: 'win-2', topic: 't', payload: '{}', priority: 0 });
    o.push({ id: 'win-3', topic: 't', payload: '{}', priority: 0 });
    expect(o.next(0, 10).map((e) => e.id)).toEqual(['alarm-1', 'hour-1', 'win-3']);
    expect(o.dropped()).toBe(2);
    o.close();
    const again = openOutbox(file, 3);
    expect([again.size(), again.dropped()]).toEqual([3, 2]);
    again.close();
  });
});
