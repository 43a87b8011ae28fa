// Free loopback ports that no other test process of this machine is handed.
//
// Ports come from below the kernel's ephemeral range, so neither outgoing
// connections nor servers listening on port 0 (aedes, fastify in tests) can take
// one between freePort() and the server's bind, or while a server is stopped for
// a restart on the same port. Each port is reserved across processes by a file
// created with O_EXCL (content: our pid) and released when the process exits.
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive, onKitExit } from './processes.js';

const RESERVATIONS_DIR = join(tmpdir(), 'campus-gateway-kit', 'ports');
const LOWEST_PORT = 15_000;
const reserved = new Set<number>();

function portRange(): [number, number] {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low !== undefined && low > LOWEST_PORT + 1000) return [LOWEST_PORT, low - 1];
  } catch {
    // Not Linux: fall through.
  }
  return [LOWEST_PORT, 29_999];
}

function tryReserve(port: number): boolean {
  const file = join(RESERVATIONS_DIR, String(port));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      reserved.add(port);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number.parseInt(readFileSafe(file), 10);
      if (Number.isInteger(owner) && isAlive(owner)) return false;
      unlinkSafe(file); // left by a dead process: take it over
    }
  }
  return false;
}

function release(port: number): void {
  reserved.delete(port);
  unlinkSafe(join(RESERVATIONS_DIR, String(port)));
}

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function unlinkSafe(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Already gone.
  }
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Removes reservations left by processes that died without their exit hook (SIGKILL). */
function reapDeadReservations(): void {
  for (const name of readdirSync(RESERVATIONS_DIR)) {
    const file = join(RESERVATIONS_DIR, name);
    const owner = Number.parseInt(readFileSafe(file), 10);
    if (Number.isInteger(owner) && !isAlive(owner)) unlinkSafe(file);
  }
}

let exitHookInstalled = false;

/** A TCP port on 127.0.0.1 that nothing listens on and no other kit user holds. */
export async function freePort(): Promise<number> {
  mkdirSync(RESERVATIONS_DIR, { recursive: true });
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    reapDeadReservations();
    onKitExit(() => {
      for (const port of [...reserved]) release(port);
    });
  }
  const [low, high] = portRange();
  for (let attempt = 0; attempt < 500; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    if (reserved.has(port) || !tryReserve(port)) continue;
    if (await canBind(port)) return port;
    release(port);
  }
  throw new Error(`freePort: no free port found in ${low}-${high} on 127.0.0.1 after 500 tries`);
}
