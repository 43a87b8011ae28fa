/**
 * The only place the broker relies on what aedes does not document. Everything else uses aedes'
 * public surface: its hooks, its events, `handle()`, and a persistence passed in
 * (session-persistence.ts). Each item here has a test in aedes-internals.test.ts that fails when
 * aedes changes it, and is listed in README.md ("aedes internals").
 *
 * 1. `client._parser` (lib/client.js): the mqtt-packet parser of a connection. aedes has no
 *    packet-size option (1.2: README, docs/Aedes.md), and its parser buffers a whole packet
 *    before emitting it, so a Remaining Length of 256 MiB would be buffered. The guard wraps the
 *    parser's `_parseLength` to refuse the packet once its fixed header is read.
 * 2. aedes' error texts: aedes' errors carry no code, so the few that close a connection for
 *    something other than bytes breaking MQTT (timeouts, a closed socket, its queue limit) are
 *    known by their exact message (lib/client.js, lib/handlers/connect.js, lib/write.js).
 */
import type { Client } from 'aedes';
import { GatewayError, gwError } from '../errors.js';

interface PacketParserLike {
  packet: { length: number; cmd?: string };
  _parseLength(): boolean;
  _emitError(err: Error): void;
}

export class PacketTooLargeError extends GatewayError {
  constructor(readonly length: number, readonly max: number) {
    super('GW_ERR_PACKET_TOO_LARGE', `GW_ERR_PACKET_TOO_LARGE: packet of ${length} bytes exceeds the maximum of ${max}`);
    this.name = 'PacketTooLargeError';
  }
}

/** The parser aedes reads a connection with, or a GW_ERR_AEDES_INTERNALS error naming what is missing. */
export function packetParserOf(client: Client): PacketParserLike {
  const parser = (client as unknown as { _parser?: Partial<PacketParserLike> })._parser;
  if (!parser || typeof parser._parseLength !== 'function' || typeof parser._emitError !== 'function') {
    throw gwError('GW_ERR_AEDES_INTERNALS', 'aedes client has no mqtt-packet parser to guard (aedes version changed?)');
  }
  return parser as PacketParserLike;
}

/**
 * Makes the client's mqtt-packet parser refuse a packet as soon as its fixed header
 * announces a Remaining Length above `maxBytes`; the parser error closes the
 * connection (MQTT 3.1.1 has no way to tell the client why).
 */
export function guardPacketSize(client: Client, maxBytes: number, onOversize: (length: number) => void): void {
  const parser = packetParserOf(client);
  const parseLength = parser._parseLength.bind(parser);
  parser._parseLength = function guardedParseLength(): boolean {
    const done = parseLength();
    if (done && parser.packet.length > maxBytes) {
      onOversize(parser.packet.length);
      parser._emitError(new PacketTooLargeError(parser.packet.length, maxBytes));
      return false;
    }
    return done;
  };
}

/** aedes' own errors that close a connection for something other than bytes breaking MQTT (exact texts of aedes 1.2). */
export const AEDES_NON_PROTOCOL_ERRORS: ReadonlySet<string> = new Set([
  'drain timeout', // lib/client.js: a subscriber's socket did not drain within drainTimeout
  'keep alive timeout', // lib/handlers/connect.js
  'connect did not arrive in time', // lib/client.js: connectTimeout
  'connection closed', // lib/client.js, lib/write.js: written to a closed connection
  'Client queue limit reached', // lib/client.js: queueLimit before the session is set up
]);

/**
 * Whether an error that closed a connection was a protocol error (garbage bytes, a bad CONNECT,
 * a malformed packet): not a socket error (it carries a `code`, as do our own GatewayErrors),
 * not one of the gateway's refusals, not one of aedes' timeouts.
 */
export function isProtocolError(err: Error): boolean {
  if (err instanceof GatewayError) return false;
  if ((err as { code?: unknown }).code !== undefined) return false;
  return !AEDES_NON_PROTOCOL_ERRORS.has(err.message);
}
