/**
 * The pseudonym key: 32 random bytes in `privacy.pseudonymKeyFile`, made on first
 * start (directory 0700, file 0600, created exclusively so two processes cannot
 * race to different keys) and read on every later start, so pseudonyms are stable.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { GatewayError } from '../errors.js';

export const KEY_BYTES = 32;

export class KeyFileError extends GatewayError {
  constructor(message: string) {
    super('GW_ERR_PSEUDONYM_KEY', message);
    this.name = 'KeyFileError';
  }
}

export interface KeyFileResult {
  key: Buffer;
  created: boolean;
  /** Set when an existing file was readable by group/others; its mode was tightened to 0600. */
  tightened: boolean;
}

function readKey(path: string): Buffer {
  const text = readFileSync(path, 'utf8').trim();
  const key = Buffer.from(text, 'hex');
  if (key.length !== KEY_BYTES || key.toString('hex') !== text.toLowerCase()) {
    throw new KeyFileError(`${path}: expected ${KEY_BYTES * 2} hex digits (a ${KEY_BYTES}-byte key), found ${text.length} characters`);
  }
  return key;
}

export function loadOrCreateKey(path: string): KeyFileResult {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  let created = false;
  try {
    writeFileSync(path, `${randomBytes(KEY_BYTES).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    created = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new KeyFileError(`${path}: cannot create the pseudonym key: ${(err as Error).message}`);
    }
  }
  let tightened = false;
  if ((statSync(path).mode & 0o077) !== 0) {
    chmodSync(path, 0o600);
    tightened = true;
  }
  return { key: readKey(path), created, tightened };
}
