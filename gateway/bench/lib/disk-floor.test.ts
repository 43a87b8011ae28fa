import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ackFloor, runDiskFloor } from './disk-floor.js';

describe('disk floor', () => {
  it('acknowledges each message at the end of the first sync that starts after it is due', () => {
    // Syncs every millisecond, 0.2 ms each, except the one at 3 ms, which takes 50 ms; the next starts when it ends.
    const syncs = [{ start: 0, end: 0.2 }, { start: 1, end: 1.2 }, { start: 2, end: 2.2 }, { start: 3, end: 53 }, { start: 53, end: 53.2 }, { start: 54, end: 54.2 }];
    // A message every 0.5 ms (2,000 msg/s) from 0 to 54 ms.
    const lat = ackFloor(syncs, 2000, 0, 54).map((ms) => Math.round(ms * 100) / 100);
    // Due at 2.5 ms: the long sync that starts at 3 ms acknowledges it, 50.5 ms later.
    expect(lat.slice(0, 7)).toEqual([0.2, 0.7, 0.2, 0.7, 0.2, 50.5, 50]);
    // Due during the long sync: acknowledged by the one after it, at 53.2 ms.
    expect(lat[7]).toBe(49.7);
    expect(lat[105]).toBe(0.7);
    // Due at 53 ms and 53.5 ms: the syncs at 53 and 54; after the last start (54 ms), none.
    expect(lat.slice(106)).toEqual([0.2, 0.7]);
  });

  it('times real fdatasyncs in the given directory and reports a floor for the rate', () => {
    const r = runDiskFloor({ dir: tmpdir(), durationMs: 100, rate: 1000, everyMs: 5 });
    expect(r.sync.samples).toBe(20);
    expect(r.sync.p50_ms).toBeGreaterThan(0);
    // A message every millisecond, each after the sync that starts at or after it (the last 4 have none).
    expect(r.ack.samples).toBe(96);
    expect(r.ack.p50_ms).toBeGreaterThan(0);
    expect(r.sync.over_10ms).toBeGreaterThanOrEqual(0);
  });
});
