/**
 * One error style (issue #18 item 6): every `GW_ERR_` code is in the table (error-codes.ts),
 * errors are GatewayErrors (made with `gwError` or a thin subclass), and no source builds a
 * plain `Error` around a code. The rule is in DEVELOPERS.md ("Errors").
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AdapterConfigError } from './adapters/modbus/adapter.js';
import { LineError } from './adapters/modbus/line.js';
import { PlanError } from './adapters/modbus/plan.js';
import { ApiError, apiErrors } from './api/errors.js';
import { PacketTooLargeError } from './broker/aedes-internals.js';
import { RemoteError } from './broker/devices-remote.js';
import { ConfigError } from './config/load.js';
import { InsecureConfigError } from './config/secure-start.js';
import { ERROR_CODES, GatewayError, StartError, describeStartError, gwError } from './errors.js';
import { InfluxWriteError } from './lib/influx/write-lines.js';
import { KeyFileError } from './privacy/key-file.js';
import { ProvisioningError } from './registry/provisioning.js';
import { SessionRuleError } from './sessions/errors.js';

const src = fileURLToPath(new URL('.', import.meta.url));
function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

describe('one error style', () => {
  const files = sources(src).map((f) => ({ file: f.slice(src.length), text: readFileSync(f, 'utf8') }));

  it('every GW_ERR_ code the source names is in the table', () => {
    const missing = new Set<string>();
    for (const { file, text } of files) {
      for (const m of text.matchAll(/GW_ERR_[A-Z0-9_]*[A-Z0-9]/g)) if (!(m[0] in ERROR_CODES)) missing.add(`${m[0]} (${file})`);
    }
    expect([...missing]).toEqual([]);
  });

  it('no plain Error carries a code in its message', () => {
    const plain = files.filter(({ text }) => /new Error\(\s*['`"]GW_ERR_/.test(text)).map(({ file }) => file);
    expect(plain).toEqual([]);
  });

  it('every table entry has a message, and a status only in the HTTP range', () => {
    for (const [code, entry] of Object.entries(ERROR_CODES)) {
      expect(entry.message.length, code).toBeGreaterThan(0);
      const status = (entry as { status?: number }).status;
      if (status !== undefined) expect(status >= 400 && status < 600, code).toBe(true);
    }
  });

  it('every error class is a GatewayError with its code, keeping its message word for word', () => {
    const made: Array<[GatewayError, string, string]> = [
      [new ConfigError('site.yaml', ['broker.port: got 99999']), 'GW_ERR_CONFIG', 'site.yaml: invalid configuration\n  - broker.port: got 99999'],
      [new InsecureConfigError('site.yaml', [{ key: 'broker', text: 'broker auth is off' }]), 'GW_ERR_INSECURE_CONFIG', 'site.yaml: GW_ERR_INSECURE_CONFIG: refusing'],
      [new StartError('GW_ERR_LOG_FORMAT', 'x'), 'GW_ERR_LOG_FORMAT', 'GW_ERR_LOG_FORMAT: x'],
      [apiErrors.forbidden(), 'GW_ERR_FORBIDDEN', 'this token\'s role may not use this resource'],
      [new SessionRuleError('GW_ERR_ROSTER', 'line 2: no name'), 'GW_ERR_ROSTER', 'line 2: no name'],
      [new RemoteError('GW_ERR_BAD_URL', 'bad'), 'GW_ERR_BAD_URL', 'bad'],
      [new ProvisioningError('GW_ERR_DEVICES_FILE', 'f: not JSON'), 'GW_ERR_DEVICES_FILE', 'GW_ERR_DEVICES_FILE: f: not JSON'],
      [new KeyFileError('k: short'), 'GW_ERR_PSEUDONYM_KEY', 'k: short'],
      [new AdapterConfigError('a'), 'GW_ERR_ADAPTER_CONFIG', 'a'],
      [new PlanError('p'), 'GW_ERR_MODBUS_PLAN', 'p'],
      [new LineError('timeout', 'no answer'), 'GW_ERR_MODBUS_LINE', 'no answer'],
      [new InfluxWriteError('down', true), 'GW_ERR_INFLUX_WRITE', 'down'],
      [new PacketTooLargeError(9, 5), 'GW_ERR_PACKET_TOO_LARGE', 'GW_ERR_PACKET_TOO_LARGE: packet of 9 bytes'],
      [gwError('GW_ERR_BROKER_CLOSED'), 'GW_ERR_BROKER_CLOSED', 'GW_ERR_BROKER_CLOSED: broker is not started'],
    ];
    for (const [err, code, message] of made) {
      expect(err, code).toBeInstanceOf(GatewayError);
      expect(err.code).toBe(code);
      expect(err.message.startsWith(message), `${code}: ${err.message}`).toBe(true);
    }
  });

  it('an API error takes its status from the table unless the route gives one', () => {
    expect(new ApiError('GW_ERR_SESSION_NOT_FOUND', 'no class session "x"').statusCode).toBe(404);
    expect(new ApiError('GW_ERR_TEMPLATE_NOT_FOUND', 'no template "x"', 400).statusCode).toBe(400);
    expect(apiErrors.authBusy().statusCode).toBe(503);
  });

  it('a GatewayError is a known start error (one line, no stack), its cause kept', () => {
    const cause = new Error('disk');
    const err = gwError('GW_ERR_STORE_SPOOL_WRITE', 'Error: disk', { cause });
    expect(err.cause).toBe(cause);
    expect(describeStartError(err)).toEqual({ known: true, text: 'GW_ERR_STORE_SPOOL_WRITE: Error: disk' });
  });
});
