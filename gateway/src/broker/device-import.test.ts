import { describe, expect, it } from 'vitest';
import type { ImportRow } from './device-csv.js';
import { checkImportRows, GENERATED_SECRET_COST, generateDeviceSecret, parseDevicesJson, planImport, type ImportChecks, type ProvisionedDevice } from './device-import.js';
import { parseSecretHash, verifySecret } from './secrets.js';

const checks: ImportChecks = {
  templateKnown: (t) => ['classroom-light', 'smart-pen'].includes(t),
  templatePersonal: (t) => t === 'smart-pen',
  reservedId: (id) => id === 'telegraf',
};
const row = (n: number, r: Partial<ImportRow>): ImportRow => ({ where: `line ${n}`, id: `d-${n}`, template: 'classroom-light', ...r });

describe('checkImportRows', () => {
  it('names every bad row and why, without its id, secret or person', () => {
    const problems = checkImportRows([
      row(2, { id: 'P-0001', template: 'smart-pen', person: '李四' }),
      row(3, { id: '../etc' }),
      row(4, { template: 'no-such-thing' }),
      row(5, { id: 'P-0001', template: 'smart-pen' }),
      row(6, { secret: 'pw-9x' }),
      row(7, { person: '王五' }),
      row(8, { id: 'telegraf' }),
      row(9, { room: 'a\nb' }),
      row(10, { template: '' }),
      row(11, { building: 'x'.repeat(129) }),
    ], checks);
    expect(problems).toEqual([
      'line 3: bad id (letters, digits, . _ - and at most 128, starting with a letter or digit)',
      'line 4: unknown template "no-such-thing"',
      'line 5: duplicate id (also on line 2)',
      'line 6: secret shorter than 16 characters (leave the cell empty to have one made)',
      'line 7: a person is bound only to a student\'s device (pen, wristband, clicker, card), not to a classroom-light',
      'line 8: id is the username of an internal MQTT user',
      'line 9: room has a line break or control character',
      'line 10: template is empty',
      'line 11: building longer than 128 characters',
    ]);
    expect(problems.join('\n')).not.toMatch(/P-0001|李四|王五|pw-9x/);
  });

  it('passes good rows', () => {
    expect(checkImportRows([row(2, {}), row(3, { template: 'smart-pen', person: '李四', secret: 'x'.repeat(16) })], checks)).toEqual([]);
  });
});

describe('parseDevicesJson', () => {
  it('takes { devices: [...] } and names 1-based rows', () => {
    expect(parseDevicesJson({ devices: [{ id: 'a', template: 'classroom-light', room: '' }] })).toEqual({ ok: true, rows: [{ where: 'row 1', id: 'a', template: 'classroom-light', room: '' }] });
    const bad = parseDevicesJson({ devices: [{ id: 'a', template: 'x' }, { id: 'b', template: 7 }, { id: 'c', template: 'x', colour: 'red' }] });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.problems).toEqual([expect.stringMatching(/^row 2 template: /), expect.stringMatching(/^row 3: .*colour/)]);
    expect(parseDevicesJson({ devices: [] })).toEqual({ ok: false, problems: ['devices: lists no device'] });
  });
});

describe('generateDeviceSecret', () => {
  it('makes 192-bit base64url secrets that start with a letter or digit', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 500; i += 1) {
      const s = generateDeviceSecret();
      expect(s).toMatch(/^[A-Za-z0-9][A-Za-z0-9_-]{31}$/);
      seen.add(s);
    }
    expect(seen.size).toBe(500);
  });
});

describe('planImport', () => {
  const existing: ProvisionedDevice = { id: 'd-2', template: 'classroom-light', secretHash: 'scrypt$256$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', building: 'A', room: '101' };
  const current = (id: string) => (id === existing.id ? existing : undefined);

  it('makes a secret (hashed at the generated cost) only for a device without one', async () => {
    const plan = await planImport([row(1, {}), row(2, {})], current);
    expect(plan).toMatchObject({ added: 1, updated: 0, unchanged: 1 });
    expect(plan.secrets.map((s) => s.id)).toEqual(['d-1']);
    const [made] = plan.changes;
    expect(parseSecretHash(made!.secretHash!)).toMatchObject({ N: GENERATED_SECRET_COST.N });
    expect(await verifySecret(plan.secrets[0]!.secret, made!.secretHash)).toBe(true);
  });

  it('is no change when the row repeats what is kept; a column the file lacks leaves the value, an empty cell clears it', async () => {
    expect(await planImport([row(2, { building: 'A', room: '101' })], current)).toMatchObject({ unchanged: 1, changes: [], secrets: [] });
    const plan = await planImport([row(2, { room: '' , person: undefined })], current);
    expect(plan.changes).toEqual([{ ...existing, room: undefined, person: undefined }]);
  });

  it('keeps the hash when a given secret verifies against it, and hashes a new one at the default cost', async () => {
    const verify = async (s: string) => s === 'the-same-secret-1234';
    const hash = async (_s: string, p: { N: number }) => `hash-N${p.N}`;
    expect(await planImport([row(2, { secret: 'the-same-secret-1234' })], current, { verify, hash })).toMatchObject({ unchanged: 1 });
    const plan = await planImport([row(2, { secret: 'another-secret-12345' })], current, { verify, hash });
    expect(plan).toMatchObject({ updated: 1, secrets: [] });
    expect(plan.changes[0]!.secretHash).toBe('hash-N16384');
  });

  it('lists made secrets in file order whatever order the hashes finish in', async () => {
    const rows = Array.from({ length: 20 }, (_, i) => row(i + 1, {}));
    const hash = (_s: string) => new Promise<string>((r) => setTimeout(() => r('h'), Math.random() * 5));
    const plan = await planImport(rows, () => undefined, { hash, concurrency: 4 });
    expect(plan.secrets.map((s) => s.id)).toEqual(rows.map((r) => r.id));
  });
});
