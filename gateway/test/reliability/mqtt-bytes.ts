/**
 * Hand-built MQTT 3.1.1 packets for hostile-client tests (a client library will
 * not send malformed ones), and a polling wait.
 */

function remainingLength(n: number): Buffer {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
}

function str(s: string): Buffer {
  const b = Buffer.from(s);
  return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
}

/** CONNECT, clean session, keepalive 60 s unless given. */
export function connectPacket(clientId: string, opts: { protocol?: string; keepaliveS?: number } = {}): Buffer {
  const ka = opts.keepaliveS ?? 60;
  const body = Buffer.concat([str(opts.protocol ?? 'MQTT'), Buffer.from([4, 0x02, ka >> 8, ka & 0xff]), str(clientId)]);
  return Buffer.concat([Buffer.from([0x10]), remainingLength(body.length), body]);
}

/** PUBLISH at QoS 0 or 1 (packet id required for 1). */
export function publishPacket(topic: string, payload: string, qos: 0 | 1, packetId = 1): Buffer {
  const id = qos > 0 ? Buffer.from([packetId >> 8, packetId & 0xff]) : Buffer.alloc(0);
  const body = Buffer.concat([str(topic), id, Buffer.from(payload)]);
  return Buffer.concat([Buffer.from([0x30 | (qos << 1)]), remainingLength(body.length), body]);
}

export async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
