/**
 * Fails when aedes changes an internal the broker relies on (aedes-internals.ts): the parser a
 * connection is read with, the way the size guard closes it, and the texts of aedes' own
 * non-protocol errors. If one fails after an aedes upgrade, fix aedes-internals.ts (and the
 * "aedes internals" list in README.md), nothing else.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Aedes, type Client } from 'aedes';
import { afterEach, describe, expect, it } from 'vitest';
import { AEDES_NON_PROTOCOL_ERRORS, PacketTooLargeError, guardPacketSize, isProtocolError, packetParserOf } from './aedes-internals.js';
import { GatewayError, gwError } from '../errors.js';

let broker: Aedes | undefined;
let server: Server | undefined;

afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  await new Promise<void>((r) => (broker ? broker.close(() => r()) : r()));
  server = broker = undefined;
});

/** A real aedes on a TCP port 0; `onClient` sees each client `handle` returns. */
async function startAedes(onClient: (client: Client) => void): Promise<number> {
  const a = await Aedes.createBroker();
  broker = a;
  server = createServer((socket) => onClient(a.handle(socket)));
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return (server.address() as { port: number }).port;
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

describe('aedes internals the broker relies on', () => {
  it('a client aedes.handle() returns carries an mqtt-packet parser with _parseLength, _emitError and packet.length', async () => {
    let seen: Client | undefined;
    const port = await startAedes((c) => (seen = c));
    const s = await open(port);
    await expect.poll(() => seen).toBeDefined();
    const parser = packetParserOf(seen!);
    expect(typeof parser._parseLength).toBe('function');
    expect(typeof parser._emitError).toBe('function');
    expect(parser.packet).toHaveProperty('length');
    s.destroy();
  });

  it('the size guard refuses a fixed header announcing more than the maximum and aedes closes the connection', async () => {
    const lengths: number[] = [];
    const errors: Error[] = [];
    const port = await startAedes((c) => guardPacketSize(c, 1024, (n) => lengths.push(n)));
    broker!.on('clientError', (_c, err) => errors.push(err));
    broker!.on('connectionError', (_c, err) => errors.push(err));
    const s = await open(port);
    const closed = new Promise((r) => s.once('close', r));
    s.on('error', () => undefined);
    // PUBLISH fixed header with Remaining Length 2,000,000 (0x80 0x89 0x7a), and no body
    s.write(Buffer.from([0x30, 0x80, 0x89, 0x7a]));
    await closed;
    expect(lengths).toEqual([2_000_000]);
    expect(errors.some((e) => e instanceof PacketTooLargeError)).toBe(true);
  });

  it('a client without the parser is refused with GW_ERR_AEDES_INTERNALS, not patched blindly', () => {
    expect(() => guardPacketSize({} as Client, 10, () => undefined)).toThrow(/GW_ERR_AEDES_INTERNALS/);
  });

  it('aedes still raises each non-protocol error with the exact text listed', () => {
    const lib = join(dirname(fileURLToPath(import.meta.resolve('aedes'))), 'lib');
    const files = [...readdirSync(lib).filter((f) => f.endsWith('.js')).map((f) => join(lib, f)), ...readdirSync(join(lib, 'handlers')).map((f) => join(lib, 'handlers', f))];
    const source = files.map((f) => readFileSync(f, 'utf8')).join('\n');
    for (const text of AEDES_NON_PROTOCOL_ERRORS) expect(source, text).toContain(`new Error('${text}')`);
  });
});

describe('isProtocolError', () => {
  it('tells errors apart by class and code, not by their text', () => {
    expect(isProtocolError(new Error('Invalid header flag bits, must be 0x0 for puback packet'))).toBe(true);
    expect(isProtocolError(new Error('drain timeout'))).toBe(false);
    expect(isProtocolError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe(false);
    expect(isProtocolError(gwError('GW_ERR_RATE_LIMIT'))).toBe(false);
    // a refusal of ours worded like anything is still ours
    expect(isProtocolError(new GatewayError('GW_ERR_MQTT_LOGIN_REFUSED', 'bad_credentials'))).toBe(false);
    expect(isProtocolError(new PacketTooLargeError(10, 5))).toBe(false);
  });
});
