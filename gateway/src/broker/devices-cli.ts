/**
 * `campus-gateway devices …`:
 * - `hash-secret [--secret S] [--cost N]`: prints the scrypt hash of a device secret
 *   (or HTTP token) for the config's `secretHash` / `tokenHash`. Without --secret the
 *   secret is read from stdin (first line), so it does not land in the shell history.
 *   `--cost N` sets scrypt's N (default 16384); a long random secret is safe with a lower N.
 * - `import FILE [--secrets-out FILE]`: sends a device list (CSV, or JSON when the
 *   name ends in .json; `-` = stdin) to the running gateway's `POST /api/devices/import`;
 *   prints the secrets it made (`id,secret`, once) to stdout or a new 0600 file.
 * - `export [--out FILE]`: the gateway's provisioned devices as CSV, without secrets.
 * import and export take `--url` (or GATEWAY_URL; default http://127.0.0.1:8080)
 * and an admin token `--token` (better GATEWAY_TOKEN: not in `ps` or the history).
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { secretsCsv } from './device-csv.js';
import { callGateway, describeAnswer, RemoteError, remoteFrom } from './devices-remote.js';
import { hashSecret, SCRYPT_DEFAULTS } from './secrets.js';

export interface CliOut {
  write(text: string): unknown;
}

export interface CliIo {
  stdin?: AsyncIterable<Buffer | string>;
  err?: CliOut;
  env?: NodeJS.ProcessEnv;
}

const USAGE = `usage:
  campus-gateway devices hash-secret [--secret S] [--cost N]   (reads the secret from stdin without --secret)
  campus-gateway devices import FILE.csv [--secrets-out FILE] [--url URL] [--token T]
  campus-gateway devices export [--out FILE] [--url URL] [--token T]
  (--url defaults to GATEWAY_URL or http://127.0.0.1:8080; --token to GATEWAY_TOKEN, an admin token)
`;

async function readAll(input: AsyncIterable<Buffer | string>, firstLineOnly: boolean): Promise<string> {
  let text = '';
  for await (const chunk of input) {
    text += chunk.toString();
    if (firstLineOnly && (text.includes('\n') || text.length > 4096)) break;
  }
  return text;
}

async function hashSecretCli(args: string[], out: CliOut, err: CliOut, io: CliIo): Promise<number> {
  const { values } = parseArgs({ args, options: { secret: { type: 'string', short: 's' }, cost: { type: 'string' } } });
  const N = values.cost === undefined ? SCRYPT_DEFAULTS.N : Number(values.cost);
  if (!Number.isInteger(N) || N < 1024 || N > 2 ** 20 || (N & (N - 1)) !== 0) {
    err.write(`--cost must be a power of two from 1024 to 1048576, got ${values.cost}\n${USAGE}`);
    return 2;
  }
  const secret = values.secret ?? (await readAll(io.stdin ?? process.stdin, true)).split(/\r?\n/)[0] ?? '';
  if (secret.length === 0) {
    err.write(`an empty secret cannot be hashed\n${USAGE}`);
    return 1;
  }
  out.write(`${await hashSecret(secret, { ...SCRYPT_DEFAULTS, N })}\n`);
  return 0;
}

const REMOTE_OPTIONS = { url: { type: 'string' }, token: { type: 'string' } } as const;

async function importCli(args: string[], out: CliOut, err: CliOut, io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { ...REMOTE_OPTIONS, 'secrets-out': { type: 'string' } } });
  const file = positionals[0];
  if (file === undefined || positionals.length > 1) {
    err.write(USAGE);
    return 2;
  }
  const text = file === '-' ? await readAll(io.stdin ?? process.stdin, false) : readFileSync(file, 'utf8');
  // Opened before the import, so secrets are never made with nowhere to put them.
  const secretsOut = values['secrets-out'];
  const secretsFd = secretsOut !== undefined ? openSync(secretsOut, 'wx', 0o600) : undefined;
  let written = false;
  try {
    const type = file.toLowerCase().endsWith('.json') ? 'application/json' : 'text/csv; charset=utf-8';
    const answer = await callGateway(remoteFrom(values, io.env ?? process.env), 'POST', 'api/devices/import', { type, text });
    if (answer.status !== 200) {
      const { message, problems } = describeAnswer(answer);
      if (problems.length > 0) err.write(`nothing imported (${problems.length} problems):\n${problems.map((p) => `  ${p}\n`).join('')}`);
      else err.write(`${message}\n`);
      if (answer.status === 401 || answer.status === 403) err.write('an admin token is needed: --token or GATEWAY_TOKEN\n');
      return 1;
    }
    const r = JSON.parse(answer.text) as { devices: number; added: number; updated: number; unchanged: number; connectionsClosed: number; secrets: Array<{ id: string; secret: string }> };
    if (r.secrets.length > 0) {
      if (secretsFd !== undefined) writeSync(secretsFd, secretsCsv(r.secrets));
      else out.write(secretsCsv(r.secrets));
      written = true;
    }
    err.write(`${r.devices} devices: ${r.added} added, ${r.updated} updated, ${r.unchanged} unchanged`
      + `${r.connectionsClosed ? ` (${r.connectionsClosed} connections with old credentials closed)` : ''}\n`);
    if (r.secrets.length > 0) {
      err.write(`${r.secrets.length} new secrets ${secretsFd !== undefined ? `written to ${secretsOut}` : 'printed above'} (id,secret): shown only this once; flash them into the devices, then keep or destroy the list\n`);
    }
    return 0;
  } finally {
    if (secretsFd !== undefined) {
      closeSync(secretsFd);
      if (!written) unlinkSync(secretsOut!);
    }
  }
}

async function exportCli(args: string[], out: CliOut, err: CliOut, io: CliIo): Promise<number> {
  const { values } = parseArgs({ args, options: { ...REMOTE_OPTIONS, out: { type: 'string', short: 'o' } } });
  const answer = await callGateway(remoteFrom(values, io.env ?? process.env), 'GET', 'api/devices/export');
  if (answer.status !== 200) {
    err.write(`${describeAnswer(answer).message}\n`);
    if (answer.status === 401 || answer.status === 403) err.write('an admin token is needed: --token or GATEWAY_TOKEN\n');
    return 1;
  }
  // The list binds devices to students (person): readable by its owner only.
  if (values.out !== undefined) writeFileSync(values.out, answer.text, { mode: 0o600 });
  else out.write(answer.text);
  return 0;
}

export async function runDevicesCli(args: string[], out: CliOut, io: CliIo = {}): Promise<number> {
  const err = io.err ?? process.stderr;
  const [sub, ...rest] = args;
  const run = sub === 'hash-secret' ? hashSecretCli : sub === 'import' ? importCli : sub === 'export' ? exportCli : undefined;
  if (!run) {
    err.write(USAGE);
    return 2;
  }
  try {
    return await run(rest, out, err, io);
  } catch (e) {
    if (e instanceof RemoteError) {
      err.write(`${e.code}: ${e.message}\n`);
      return 1;
    }
    const code = (e as { code?: string }).code;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' || code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      err.write(`${(e as Error).message}\n${USAGE}`);
      return 2;
    }
    if (code === 'ENOENT' || code === 'EEXIST' || code === 'EACCES' || code === 'EISDIR') {
      err.write(`${(e as Error).message}${code === 'EEXIST' ? ' (--secrets-out never overwrites a file)' : ''}\n`);
      return 1;
    }
    throw e;
  }
}
