/**
 * `campus-gateway devices hash-secret [--secret S]`: prints the scrypt hash of a
 * device secret (or HTTP token) for the config's `secretHash` / `tokenHash`.
 * Without --secret the secret is read from stdin (first line), so it does not
 * land in the shell history. `--cost N` sets scrypt's N (default 16384); a
 * long random device secret is safe with a lower N (e.g. 4096: 4× faster first
 * logins after a gateway restart on a small machine).
 */
import { parseArgs } from 'node:util';
import { hashSecret, SCRYPT_DEFAULTS } from './secrets.js';

export interface CliOut {
  write(text: string): unknown;
}

const USAGE = 'usage: campus-gateway devices hash-secret [--secret S] [--cost N]   (reads the secret from stdin without --secret)\n';

async function readFirstLine(input: AsyncIterable<Buffer | string>): Promise<string> {
  let text = '';
  for await (const chunk of input) {
    text += chunk.toString();
    if (text.includes('\n') || text.length > 4096) break;
  }
  return text.split(/\r?\n/)[0] ?? '';
}

export async function runDevicesCli(
  args: string[],
  out: CliOut,
  io: { stdin?: AsyncIterable<Buffer | string>; err?: CliOut } = {},
): Promise<number> {
  const err = io.err ?? process.stderr;
  const [sub, ...rest] = args;
  if (sub !== 'hash-secret') {
    err.write(USAGE);
    return 2;
  }
  let values: { secret?: string | undefined; cost?: string | undefined };
  try {
    ({ values } = parseArgs({ args: rest, options: { secret: { type: 'string', short: 's' }, cost: { type: 'string' } } }));
  } catch (e) {
    err.write(`${e instanceof Error ? e.message : String(e)}\n${USAGE}`);
    return 2;
  }
  const N = values.cost === undefined ? SCRYPT_DEFAULTS.N : Number(values.cost);
  if (!Number.isInteger(N) || N < 1024 || N > 2 ** 20 || (N & (N - 1)) !== 0) {
    err.write(`--cost must be a power of two from 1024 to 1048576, got ${values.cost}\n${USAGE}`);
    return 2;
  }
  const secret = values.secret ?? (await readFirstLine(io.stdin ?? process.stdin));
  if (secret.length === 0) {
    err.write(`an empty secret cannot be hashed\n${USAGE}`);
    return 1;
  }
  out.write(`${await hashSecret(secret, { ...SCRYPT_DEFAULTS, N })}\n`);
  return 0;
}
