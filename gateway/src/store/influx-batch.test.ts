import { describe, expect, it } from 'vitest';
import { appendLine, batchBody, createChunkPool, createLinger, newBatch, releaseBatch, splitLines } from './influx-batch.js';

describe('influx batch', () => {
  it('keeps lines as UTF-8, newline-ended, in one pooled chunk', () => {
    const pool = createChunkPool(1024, 2);
    const b = newBatch(0, pool);
    appendLine(b, 'm,room=教室\\ 3 v=1i 1');
    appendLine(b, 'm v=2i 2');
    expect(b.count).toBe(2);
    expect(batchBody(b).toString('utf8')).toBe('m,room=教室\\ 3 v=1i 1\nm v=2i 2\n');
    expect(splitLines(batchBody(b))).toEqual(['m,room=教室\\ 3 v=1i 1', 'm v=2i 2']);
  });

  it('hands its chunk back once released, and the next batch writes into the same memory', () => {
    const pool = createChunkPool(1024, 2);
    const a = newBatch(0, pool);
    appendLine(a, 'a v=1 1');
    const first = batchBody(a);
    expect(pool.free()).toBe(0);
    releaseBatch(a);
    expect(pool.free()).toBe(1);
    const b = newBatch(0, pool);
    appendLine(b, 'b v=2 2');
    expect(pool.free()).toBe(0);
    expect(batchBody(b).buffer).toBe(first.buffer);
    expect(batchBody(b).toString()).toBe('b v=2 2\n');
  });

  it('spills into more chunks when the text outgrows one, and keeps a bounded pool', () => {
    const pool = createChunkPool(64, 1);
    const b = newBatch(0, pool);
    for (let i = 0; i < 10; i++) appendLine(b, `m v=${i}i ${1000 + i}`);
    expect(splitLines(batchBody(b))).toEqual(Array.from({ length: 10 }, (_, i) => `m v=${i}i ${1000 + i}`));
    const long = `m s="${'x'.repeat(200)}" 1`; // longer than a chunk: its own buffer, not pooled
    const c = newBatch(0, pool);
    appendLine(c, long);
    expect(batchBody(c).toString()).toBe(`${long}\n`);
    releaseBatch(b);
    releaseBatch(c);
    expect(pool.free()).toBe(1);
  });

  it('holds a full batch of school-day lines (5,000 of 225 bytes, worst-case headroom) in one chunk of the default pool', () => {
    // With 1 MiB chunks this batch took two and its body was joined into a fresh 1.1 MiB buffer.
    const pool = createChunkPool();
    const b = newBatch(0, pool);
    const line = (i: number) => `smart_pen,site=s,room=r-101,device=p-${'0'.repeat(40)} x=${i}i,y=${i}i,p=512i,stroke=${i}i ${'1'.repeat(19)}`.padEnd(225, 'z');
    for (let i = 0; i < 5_000; i++) appendLine(b, line(i));
    const body = batchBody(b);
    expect(pool.made()).toBe(1);
    expect(b.owned).toHaveLength(1);
    expect(body.buffer).toBe((b.owned[0] as Buffer).buffer);
    expect(body.length).toBe(5_000 * 226);
    expect(splitLines(body)[4_999]).toBe(line(4_999));
  });
});

describe('createLinger (group commit pace)', () => {
  function clock() {
    let t = 0;
    return { now: () => t, advance: (ms: number) => { t += ms; } };
  }

  it('lets a quiet stream go at once', () => {
    const c = clock();
    const l = createLinger(c.now);
    for (let i = 0; i < 10; i++) { c.advance(100); l.added(50); } // 500 lines/s
    l.sent();
    expect(l.wait()).toBeCloseTo(0.5, 5); // 1 ms per 1,000 lines/s
    c.advance(1);
    expect(l.wait()).toBeLessThanOrEqual(0);
  });

  it('waits longer as the rate rises, up to the cap, counted from the last send', () => {
    const c = clock();
    const l = createLinger(c.now, 1, 50);
    for (let i = 0; i < 30; i++) { c.advance(10); l.added(370); } // 37,000 lines/s
    l.sent();
    expect(l.wait()).toBeCloseTo(37, 5);
    c.advance(30);
    expect(l.wait()).toBeCloseTo(7, 5);
    for (let i = 0; i < 30; i++) { c.advance(10); l.added(2_000); } // 200,000 lines/s
    l.sent();
    expect(l.wait()).toBe(50);
  });

  it('forgets a burst once the stream is quiet again', () => {
    const c = clock();
    const l = createLinger(c.now);
    for (let i = 0; i < 30; i++) { c.advance(10); l.added(400); }
    c.advance(5_000);
    l.added(1); // the first line after the pause closes the busy window
    l.sent();
    expect(l.wait()).toBeLessThan(1); // the pause's window averages to ~400 lines/s
  });
});
