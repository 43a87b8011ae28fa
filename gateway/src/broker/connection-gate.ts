/**
 * What every listener (TCP, TLS, WebSocket) applies to a socket from the moment it is
 * accepted, before any TLS handshake or WebSocket upgrade:
 * - at most `maxPerAddress` open sockets per source address (addresses in `exempt`
 *   excepted), so one host cannot hold the slots the rest of the school needs;
 * - one deadline, `connectTimeoutMs`, from the TCP accept to the MQTT CONNECT packet.
 *   It covers the TLS handshake and the HTTP upgrade too, so a socket that trickles a
 *   byte now and then cannot stretch it. Before, an idle socket on the TLS or WebSocket
 *   port was never closed: 320 of them held 300 slots and every real TLS/WS login failed.
 */
import type { Socket } from 'node:net';

export interface ConnectionGateOptions {
  connectTimeoutMs: number;
  maxPerAddress: number;
  /** Addresses the per-address cap does not apply to (e.g. loopback, a building's NAT router). */
  exempt: readonly string[];
}

export interface ConnectionGate {
  /** A socket was accepted; false: refuse it (the caller destroys it). */
  admit(socket: Socket, address: string): boolean;
  /** The socket's client sent CONNECT: its deadline no longer applies. */
  connected(socket: Socket): void;
  /** Clears every pending deadline (at stop). */
  close(): void;
  stats(): { connectTimeouts: number; perAddressRefused: number };
}

/** `::ffff:10.0.0.5` (an IPv4 client on a dual-stack socket) is `10.0.0.5`. */
export function normalizeAddress(address: string | undefined): string {
  if (!address) return 'unknown';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

export function createConnectionGate(options: ConnectionGateOptions): ConnectionGate {
  const perAddress = new Map<string, number>();
  const exempt = new Set(options.exempt.map(normalizeAddress));
  const deadlines = new Map<Socket, NodeJS.Timeout>();
  const counters = { connectTimeouts: 0, perAddressRefused: 0 };

  function clearDeadline(socket: Socket): void {
    const timer = deadlines.get(socket);
    if (timer === undefined) return;
    clearTimeout(timer);
    deadlines.delete(socket);
  }

  return {
    admit(socket, address) {
      const open = perAddress.get(address) ?? 0;
      if (open >= options.maxPerAddress && !exempt.has(address)) {
        counters.perAddressRefused += 1;
        return false;
      }
      perAddress.set(address, open + 1);
      const timer = setTimeout(() => {
        deadlines.delete(socket);
        counters.connectTimeouts += 1;
        socket.destroy();
      }, options.connectTimeoutMs);
      timer.unref();
      deadlines.set(socket, timer);
      socket.once('close', () => {
        clearDeadline(socket);
        const n = (perAddress.get(address) ?? 1) - 1;
        if (n <= 0) perAddress.delete(address);
        else perAddress.set(address, n);
      });
      return true;
    },
    connected: clearDeadline,
    close() {
      for (const timer of deadlines.values()) clearTimeout(timer);
      deadlines.clear();
    },
    stats: () => ({ ...counters }),
  };
}
