import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { unwrittenBytes, waitIdle } from './idle.js';

describe('waitIdle', () => {
  it('counts dirty and under-writeback pages from /proc/meminfo', () => {
    const meminfo = 'MemTotal:       24684000 kB\nDirty:              2048 kB\nWriteback:           512 kB\nWritebackTmp:          7 kB\n';
    expect(unwrittenBytes(meminfo)).toBe((2048 + 512) * 1024);
  });

  it('writes back what a run left dirty before it calls the machine quiet', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cg-idle-'));
    try {
      // 32 MiB written and not synced: dirty in the page cache for up to 30 s.
      writeFileSync(join(dir, 'left-behind'), Buffer.alloc(32 * 1048576, 1));
      expect(unwrittenBytes()).toBeGreaterThan(8 * 1048576);
      const q = await waitIdle({ maxUnwrittenMb: 8, maxBusy: 1, windowMs: 20 });
      expect(q.synced_mib).toBeGreaterThanOrEqual(8);
      expect(unwrittenBytes()).toBeLessThan(32 * 1048576);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
