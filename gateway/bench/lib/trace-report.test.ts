import { describe, expect, it } from 'vitest';
import { parseEvents, parseMessages, slowWindows } from './trace-report.js';

describe('trace report', () => {
  it('groups slow messages into 100 ms windows and lists what the gateway did near each', () => {
    const t0 = 1_000_000;
    // 1,000 messages 1 ms apart: 20 slow ones at 300–319 ms, 5 at 700–704 ms (too few to list).
    const messages = Array.from({ length: 1000 }, (_, i) => ({ due: t0 + i, ms: (i >= 300 && i < 320) || (i >= 700 && i < 705) ? 14 + (i % 3) : 2 }));
    const events = parseEvents([
      `loop ${t0 + 290} 18.5 run=4.0,wait=14.0`,
      `restart ${t0 + 305} 0`,
      `gc ${t0 + 600} 3.1 minor`,
    ].join('\n'));
    const w = slowWindows(messages, events);
    expect(w).toHaveLength(1);
    expect(w[0]).toMatchObject({ from_ms: 300, slow: 20, max_ms: 16 });
    expect(w[0]!.near).toEqual([
      { kind: 'loop', at: -10, ms: 18.5, detail: 'run=4.0,wait=14.0' },
      { kind: 'restart', at: 5, ms: 0 },
    ]);
  });

  it('reads the files the bench writes', () => {
    expect(parseMessages('1000.5 2.25\n1001.5 12.00\n')).toEqual([{ due: 1000.5, ms: 2.25 }, { due: 1001.5, ms: 12 }]);
    expect(slowWindows([], [])).toEqual([]);
    // The gateway child's events and the load generator's own loop gaps, one format.
    expect(parseEvents('loop 1000.5 9.7 run=7.9,wait=1.4\nsender 1002.0 12.3 run=0.3,wait=10.4\nrestart 1003.0 0\n')).toEqual([
      { kind: 'loop', at: 1000.5, ms: 9.7, detail: 'run=7.9,wait=1.4' },
      { kind: 'sender', at: 1002, ms: 12.3, detail: 'run=0.3,wait=10.4' },
      { kind: 'restart', at: 1003, ms: 0 },
    ]);
  });
});
