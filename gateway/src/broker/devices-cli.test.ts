import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runDevicesCli } from './devices-cli.js';
import { verifySecret } from './secrets.js';

function sink(): { write(t: string): void; text: () => string } {
  let text = '';
  return { write: (t: string) => void (text += t), text: () => text };
}

describe('campus-gateway devices hash-secret', () => {
  it('hashes --secret', async () => {
    const out = sink();
    expect(await runDevicesCli(['hash-secret', '--secret', 's3cret'], out)).toBe(0);
    expect(await verifySecret('s3cret', out.text().trim())).toBe(true);
  });

  it('takes a lower scrypt cost with --cost, and refuses a bad one', async () => {
    const out = sink();
    expect(await runDevicesCli(['hash-secret', '--secret', 's', '--cost', '4096'], out)).toBe(0);
    expect(out.text()).toMatch(/^scrypt\$4096\$8\$1\$/);
    expect(await verifySecret('s', out.text().trim())).toBe(true);
    expect(await runDevicesCli(['hash-secret', '--secret', 's', '--cost', '1000'], sink(), { err: sink() })).toBe(2);
  });

  it('reads the secret from stdin when --secret is absent', async () => {
    const out = sink();
    expect(await runDevicesCli(['hash-secret'], out, { stdin: Readable.from(['from-stdin\n', 'ignored\n']) })).toBe(0);
    expect(await verifySecret('from-stdin', out.text().trim())).toBe(true);
  });

  it('refuses an empty secret and an unknown subcommand', async () => {
    const err = sink();
    expect(await runDevicesCli(['hash-secret'], sink(), { stdin: Readable.from(['\n']), err })).toBe(1);
    expect(await runDevicesCli(['frobnicate'], sink(), { err })).toBe(2);
    expect(err.text()).toContain('campus-gateway devices hash-secret [--secret S]');
    expect(err.text()).toContain('campus-gateway devices import FILE.csv');
  });
});
