import { mkdtempSync, readFileSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../log.js';
import type { Reading } from '../core/reading.js';
import { createPseudonymizer, PSEUDONYM_PATTERN } from './pseudonymizer.js';
import type { TemplateLike } from './template-like.js';

const band: TemplateLike = {
  id: 'student-wristband',
  fields: [
    { name: 'band', type: 'string', role: 'state', privacy: 'id' },
    { name: 'heart_rate_bpm', type: 'integer', role: 'gauge', privacy: 'health' },
    { name: 'steps', type: 'integer', role: 'counter' },
  ],
};

function reading(fields: Reading['fields'], tags: Reading['tags'] = {}): Reading {
  return { template: band.id, device: 'wb-base-1', ts: 1_700_000_000_000, fields, tags };
}

function keyPath(): string {
  return join(mkdtempSync(join(tmpdir(), 'pseudo-')), 'keys', 'pseudonym.key');
}

describe('createPseudonymizer', () => {
  it('creates a 32-byte key with mode 0600 in a 0700 directory on first start', async () => {
    const file = keyPath();
    const p = createPseudonymizer({ keyFile: file }, { log: silentLogger() });
    await p.start();
    expect(readFileSync(file, 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(file, '..')).mode & 0o777).toBe(0o700);
  });

  it('gives the same pseudonym after a restart and a different one with another key', async () => {
    const file = keyPath();
    const a = createPseudonymizer({ keyFile: file }, { log: silentLogger() });
    await a.start();
    const first = a.pseudonym('W-2231');
    await a.stop();
    const b = createPseudonymizer({ keyFile: file }, { log: silentLogger() });
    await b.start();
    expect(b.pseudonym('W-2231')).toBe(first);
    expect(first).toMatch(PSEUDONYM_PATTERN);
    const other = createPseudonymizer({ keyFile: keyPath() }, { log: silentLogger() });
    await other.start();
    expect(other.pseudonym('W-2231')).not.toBe(first);
  });

  it('replaces id fields, same-named tags and the person tag, keeps health values', async () => {
    const p = createPseudonymizer({ keyFile: keyPath() }, { log: silentLogger() });
    await p.start();
    const input = [reading({ band: 'W-2231', heart_rate_bpm: 128, steps: 3021 }, { person: 'S2023001', room: '3-2' })];
    const [out] = p.deidentify(input, band);
    expect(out!.fields).toEqual({ band: p.pseudonym('W-2231'), heart_rate_bpm: 128, steps: 3021 });
    expect(out!.tags).toEqual({ person: p.pseudonym('S2023001'), room: '3-2' });
    expect(input[0]!.fields.band).toBe('W-2231');
    // Idempotent: de-identifying again changes nothing.
    expect(p.deidentify([out!], band)[0]).toEqual(out);
  });

  it('tightens a key file readable by others and rejects a malformed one', async () => {
    const file = keyPath();
    const p = createPseudonymizer({ keyFile: file }, { log: silentLogger() });
    await p.start();
    chmodSync(file, 0o644);
    await createPseudonymizer({ keyFile: file }, { log: silentLogger() }).start();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    writeFileSync(file, 'not-a-key\n');
    await expect(createPseudonymizer({ keyFile: file }, { log: silentLogger() }).start()).rejects.toThrow(/64 hex digits/);
  });

  it('refuses to pseudonymize before start', () => {
    const p = createPseudonymizer({ keyFile: keyPath() }, { log: silentLogger() });
    expect(() => p.pseudonym('x')).toThrow(/not started/);
  });
});
