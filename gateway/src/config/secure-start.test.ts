import { describe, expect, it } from 'vitest';
import { hashSecret } from '../broker/secrets.js';
import { sha256Token } from '../api/token-hash.js';
import { ConfigError, parseConfig } from './load.js';
import { checkStartable, InsecureConfigError } from './secure-start.js';

const TOKEN = sha256Token('an-admin-token-of-enough-entropy-1234567890');
const SECURE = { broker: { auth: { enabled: true } }, http: { tokens: [{ role: 'admin' as const, tokenHash: TOKEN }] } };

function refusal(raw: unknown): InsecureConfigError {
  try {
    checkStartable(parseConfig(raw), 'site.yaml');
  } catch (err) {
    if (err instanceof InsecureConfigError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('checkStartable', () => {
  it('refuses the defaults (broker auth off, no tokens) in one line naming what to set and how', () => {
    const err = refusal({});
    expect(err.code).toBe('GW_ERR_INSECURE_CONFIG');
    expect(err.message).not.toContain('\n');
    expect(err.message).toMatch(/^site\.yaml: GW_ERR_INSECURE_CONFIG: refusing to start an open gateway/);
    for (const part of ['broker.auth.enabled', 'http.tokens', 'secretHash', 'tokenHash', '`campus-gateway devices hash-secret`', 'insecure: true']) {
      expect(err.message).toContain(part);
    }
  });

  it('refuses `tokens: []` as no tokens, even with broker auth on', () => {
    const err = refusal({ broker: { auth: { enabled: true } }, http: { tokens: [] } });
    expect(err.open.map((o) => o.key)).toEqual(['http']);
    expect(err.message).toContain('http.tokens is empty');
    expect(err.message).not.toContain('broker.auth.enabled is not true');
  });

  it('refuses broker auth off even with tokens', () => {
    const err = refusal({ http: SECURE.http });
    expect(err.open.map((o) => o.key)).toEqual(['broker']);
    expect(err.message).not.toContain('http.tokens is empty');
  });

  it('starts a config with broker auth and tokens, and an open one that says insecure: true', () => {
    expect(checkStartable(parseConfig(SECURE))).toEqual([]);
    expect(checkStartable(parseConfig({ insecure: true })).map((o) => o.key)).toEqual(['broker', 'http']);
  });

  it('refuses an internal MQTT user named like a device (what the broker would throw at start)', async () => {
    const secretHash = await hashSecret('internal-user-secret', { N: 1024, r: 8, p: 1 });
    const config = parseConfig({
      ...SECURE,
      broker: { auth: { enabled: true, internalUsers: [{ username: 'light-1', secretHash }] } },
      devices: [{ id: 'light-1', template: 'classroom-light' }],
    });
    expect(() => checkStartable(config, 'site.yaml')).toThrow(ConfigError);
    expect(() => checkStartable(config, 'site.yaml')).toThrow(/broker\.auth\.internalUsers\.0\.username: "light-1" is also a device id/);
  });
});
