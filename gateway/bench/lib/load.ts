/**
 * MQTT load generators for the benchmarks: N connections publishing as fast as
 * a window of outstanding publishes allows. QoS 1 latency is publish → PUBACK
 * (the gateway acknowledges only once the readings are stored); with QoS 0,
 * every `probeEvery`-th message is sent QoS 1 as a latency probe. The
 * connections are raw-mqtt.ts clients, so the generator costs little next to
 * what it measures.
 */
import { connectRaw, type RawClient } from './raw-mqtt.js';

export interface LoadOptions {
  url: string;
  connections: number;
  /** Messages per connection. */
  perConnection: number;
  qos: 0 | 1;
  /** Outstanding publishes per connection. */
  window: number;
  topic(conn: number): string;
  payload(conn: number, seq: number): string;
  /** With QoS 0, send every n-th message as QoS 1 to sample latency (0 = never). */
  probeEvery?: number;
  clientPrefix?: string;
  /** Paced load: messages per second per connection (default: as fast as the window allows). */
  ratePerConnection?: number;
  /** Extra messages for connection 0, so the total need not be a multiple of `connections`. */
  extraFirst?: number;
}

export interface LoadResult {
  sent: number;
  acked: number;
  elapsed_ms: number;
  /** publish → PUBACK latencies (ms) of QoS 1 messages or probes. */
  latencies: number[];
}

export async function connectAll(url: string, n: number, prefix: string): Promise<RawClient[]> {
  const out: RawClient[] = [];
  for (let i = 0; i < n; i += 50) {
    out.push(...await Promise.all(Array.from({ length: Math.min(50, n - i) }, (_, k) => connectRaw(url, `${prefix}-${i + k}`))));
  }
  return out;
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const clients = await connectAll(o.url, o.connections, o.clientPrefix ?? 'bench');
  const latencies: number[] = [];
  let sent = 0;
  let acked = 0;
  const start = performance.now();
  await Promise.all(clients.map((c, conn) => new Promise<void>((resolve) => {
    let seq = 0;
    let outstanding = 0;
    const count = o.perConnection + (conn === 0 ? o.extraFirst ?? 0 : 0);
    if (count === 0) { resolve(); return; }
    const t0 = performance.now() + Math.random() * 20;
    const allowed = () => (o.ratePerConnection ? Math.min(count, Math.floor(((performance.now() - t0) / 1000) * o.ratePerConnection) + 1) : count);
    if (o.ratePerConnection) {
      const pace = setInterval(() => { if (seq >= count) clearInterval(pace); else pump(); }, 5);
    }
    const pump = () => {
      const limit = allowed();
      while (outstanding < o.window && seq < limit) {
        const i = seq++;
        const probe = o.qos === 1 || (o.probeEvery ? i % o.probeEvery === 0 : false);
        const t = performance.now();
        outstanding++;
        sent++;
        c.publish(o.topic(conn), o.payload(conn, i), probe ? 1 : o.qos, (err) => {
          outstanding--;
          if (!err) acked++;
          if (probe && !err) latencies.push(performance.now() - t);
          if (seq >= count && outstanding === 0) resolve();
          else if (outstanding <= o.window / 2) setImmediate(pump);
        });
      }
    };
    pump();
  })));
  const elapsed = performance.now() - start;
  await Promise.all(clients.map((c) => c.end()));
  return { sent, acked, elapsed_ms: elapsed, latencies };
}
