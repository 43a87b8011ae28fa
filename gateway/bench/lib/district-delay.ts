/**
 * `--district-influx-delay 20ms`: an HTTP proxy in front of influxd that holds every /write for a
 * fixed time before forwarding it, as an InfluxDB on another machine or a clustered one answers
 * later than one on loopback. Everything else passes straight through.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DelayProxy {
  url: string;
  close(): Promise<void>;
}

export function startDelayProxy(target: string, writeDelayMs: number): Promise<DelayProxy> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      setTimeout(() => {
        const up = http.request(`${target}${req.url ?? '/'}`, { method: req.method, headers: req.headers, agent }, (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        });
        up.on('error', () => res.destroy());
        up.end(Buffer.concat(chunks));
      }, req.url?.startsWith('/write') === true ? writeDelayMs : 0);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((r) => {
      agent.destroy();
      server.closeAllConnections();
      server.close(() => r());
    }),
  })));
}
