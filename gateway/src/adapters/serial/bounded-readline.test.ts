import { describe, expect, it } from 'vitest';
import { BoundedReadlineParser } from './bounded-readline.js';

function run(chunks: (string | Buffer)[], max: number, delimiter = '\r\n') {
  const p = new BoundedReadlineParser(max, { delimiter, encoding: 'latin1' });
  const lines: string[] = [];
  const overflows: number[] = [];
  p.on('data', (l: string) => lines.push(l));
  p.on('overflow', (n: number) => overflows.push(n));
  for (const c of chunks) p.write(c);
  return { lines, overflows };
}

describe('BoundedReadlineParser', () => {
  it('splits lines across chunks like ReadlineParser', () => {
    expect(run(['FT,S1,HEI', 'GHT,150,cm\r', '\nHB,B,3\r\n'], 100).lines).toEqual(['FT,S1,HEIGHT,150,cm', 'HB,B,3']);
  });
  it('drops a line past the limit, and its tail up to the next delimiter, then goes on', () => {
    const r = run(['AAAAAAAAAA', 'AAAAAAAAAA', 'AAAA\r\nok1\r\n', 'ok2\r\n'], 16);
    expect(r.overflows).toEqual([20]);
    expect(r.lines).toEqual(['ok1', 'ok2']);
  });
  it('bounds memory for a stream that never sends the delimiter', () => {
    const p = new BoundedReadlineParser(1024, { delimiter: '\n' });
    let overflows = 0;
    p.on('overflow', () => overflows++);
    for (let i = 0; i < 1000; i++) p.write(Buffer.alloc(4096, 0x41));
    expect(p.buffer.length).toBeLessThanOrEqual(4096 + 1024);
    expect(overflows).toBe(1);
  });
});
