/**
 * An unknown username costs the same scrypt as a device with a generated secret, so the answer
 * time does not tell a provisioned id from an unknown one (the scrypt parameters are observed
 * through node:crypto, not timed).
 */
import type * as crypto from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';

const costs: number[] = [];
vi.mock('node:crypto', async (importOriginal) => {
  const orig = await importOriginal<typeof crypto>();
  const scrypt = (...args: Parameters<typeof orig.scrypt>) => {
    costs.push((args[3] as crypto.ScryptOptions).N ?? 0);
    return (orig.scrypt as (...a: unknown[]) => void)(...args);
  };
  return { ...orig, default: { ...orig, scrypt }, scrypt };
});

const { hashSecret, verifySecret, UNKNOWN_USER_COST } = await import('./secrets.js');
const { createDeviceAuth } = await import('./device-auth.js');
const { generateDeviceSecret, GENERATED_SECRET_COST } = await import('./device-import.js');

describe('the cost of an unknown username', () => {
  it('is the cost of generated device secrets', () => {
    expect(UNKNOWN_USER_COST).toEqual(GENERATED_SECRET_COST);
  });

  it('runs scrypt at the same N for an unknown id as for a device with a generated secret', async () => {
    const secret = generateDeviceSecret();
    const auth = createDeviceAuth({ enabled: true, maxFailures: 5, lockoutSeconds: 60,
      devices: [{ id: 'meter-1', template: 'energy-meter-1p', secretHash: await hashSecret(secret, GENERATED_SECRET_COST) }] });
    costs.length = 0;
    expect((await auth.authenticate('meter-1', Buffer.from('wrong-secret-of-24-chars'), '10.0.0.9')).ok).toBe(false);
    expect((await auth.authenticate('no-such-meter', Buffer.from('wrong-secret-of-24-chars'), '10.0.0.9')).ok).toBe(false);
    expect(costs).toEqual([GENERATED_SECRET_COST.N, GENERATED_SECRET_COST.N]);
    expect(await verifySecret('x', undefined)).toBe(false);
  });
});
