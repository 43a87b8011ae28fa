/**
 * A plain aedes broker (no gateway: no auth hooks, no ingest, no store) in its
 * own process: the pass-through ceiling the gateway's broker is compared with.
 * Prints its port on stdout as `{"port":N}`.
 */
import net from 'node:net';
import { Aedes } from 'aedes';

const aedes = await Aedes.createBroker();
const server = net.createServer((socket) => {
  socket.setNoDelay(true);
  aedes.handle(socket);
});
server.listen(0, '127.0.0.1', () => {
  const a = server.address();
  process.stdout.write(`${JSON.stringify({ port: typeof a === 'object' && a ? a.port : 0 })}\n`);
});
process.on('SIGTERM', () => { server.close(); aedes.close(() => process.exit(0)); });
