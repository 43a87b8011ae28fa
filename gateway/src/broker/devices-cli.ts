/**
 * `campus-gateway devices hash-secret [--secret S]`: prints the scrypt hash of a
 * device secret (or HTTP token) for the config's `secretHash` / `tokenHash`.
 * Without --secret the secret is read from stdin (first line), so it does not
 * land in the shell history.
 */
import { parseArgs } from 'node:util';
import { hashSecret } from './secrets.js';

export interface CliOut {
  write(text: string): unknown;
}

const USAGE = 'usage: campus-gateway devices hash-secret [--secret S]   (reads the secret from stdin without --secret)\n';

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
  let values: { secret?: string | undefined };
  try {
    ({ values } = parseArgs({ args: rest, options: { secret: { type: 'string', short: 's' } } }));
  } catch (e) {
    err.write(`${e instanceof Error ? e.message : String(e)}\n${USAGE}`);
    return 2;
  }
  const secret = values.secret ?? (await readFirstLine(io.stdin ?? process.stdin));
  if (secret.length === 0) {
    err.write(`an empty secret cannot be hashed\n${USAGE}`);
    return 1;
  }
  out.write(`${await hashSecret(secret)}\n`);
  return 0;
}
