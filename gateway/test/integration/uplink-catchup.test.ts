// Issue #20 item 4: prompt catch-up after a hub broker outage. Real mosquitto as the hub broker,
// the real uplink (defaults: backoff, ack timeout), and an acking subscriber that does what the hub
// role does (`hub/+/summary/#`, `hub/+/alarm/#`, acks ids on `hub/<site>/ack`). The gateway keeps
// producing alarms and 1-second windows through the outage. The worst ordering is forced: the
// subscriber comes back only after the gateway has reconnected, so everything the gateway resends
// at once is dropped by the restarted broker (no persistence, no subscriber) and only a prompt
// ack-timeout resend delivers it. Every message made before the broker's return must reach the
// subscriber within 10 s of that return. Old code: ~34-86 s (backoff up to 60 s + a 30 s ack timeout).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import type { UplinkMessage } from '../../src/summaries/index.js';
import { createUplink, type Uplink } from '../../src/uplink/index.js';
import { startMosquitto, type MosquittoServer } from '../kit/index.js';

const SITE = 'catchup-school';
const OUTAGE_S = Number(process.env.CATCHUP_OUTAGE_SECONDS ?? 20);
const DEADLINE_MS = 10_000;
const log = silentLogger();

async function waitFor(what: string, cond: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** What the hub role does on the wire: subscribe, and ack every id it receives. */
async function startAckingSubscriber(url: string, received: Map<string, number>): Promise<MqttClient> {
  const c = await mqtt.connectAsync(url, { clientId: 'hub-sim', clean: true, reconnectPeriod: 1000, protocolVersion: 4 });
  c.on('message', (topic, payload) => {
    const id = (JSON.parse(payload.toString('utf8')) as { id: string }).id;
    if (!received.has(id)) received.set(id, Date.now());
    c.publish(`hub/${topic.split('/')[1]}/ack`, JSON.stringify({ ids: [id] }), { qos: 1 });
  });
  await c.subscribeAsync({ 'hub/+/summary/#': { qos: 1 }, 'hub/+/alarm/#': { qos: 1 } });
  return c;
}

let n = 0;
function nextMessage(): UplinkMessage {
  n++;
  const at = new Date(Date.parse('2026-03-02T08:00:00Z') + n * 1000).toISOString();
  if (n % 5 === 0) {
    return { id: `alarm-${n}`, site: SITE, kind: 'alarm', template: 'smoke-detector', device: 'smoke-1', alarm: 'alarm', value: true, state: 'raised', at } as unknown as UplinkMessage;
  }
  return { id: `window-${n}`, site: SITE, kind: 'energy', resolution: 'window', windowStart: at, windowEnd: at, values: { energy_kwh: 1 }, rows: [] } as unknown as UplinkMessage;
}

describe('uplink catch-up after a hub broker outage (issue #20)', () => {
  let broker: MosquittoServer;
  let uplink: Uplink;
  let subscriber: MqttClient | undefined;
  let producer: NodeJS.Timeout | undefined;
  const received = new Map<string, number>();
  const sent: string[] = [];

  beforeAll(async () => {
    broker = await startMosquitto();
    subscriber = await startAckingSubscriber(broker.url, received);
    const outboxPath = join(mkdtempSync(join(tmpdir(), 'catchup-')), 'outbox.db');
    // Defaults on purpose (backoff cap, ack timeout): what a school runs.
    uplink = createUplink({ site: SITE, url: broker.url, outboxPath, clientId: `gw-${SITE}` }, { log, guard: { admit: (m) => ({ ok: true, message: m as UplinkMessage, refused: [] }) } });
    await uplink.start();
  });

  afterAll(async () => {
    if (producer !== undefined) clearInterval(producer);
    await subscriber?.endAsync(true);
    await uplink?.stop();
    await broker?.stop();
  });

  it(`delivers everything within ${DEADLINE_MS / 1000} s of the broker's return after a ${OUTAGE_S} s outage`, async () => {
    const produce = () => {
      const m = nextMessage();
      sent.push(m.id);
      expect(uplink.send(m)).toBe(true);
    };
    producer = setInterval(produce, 250);
    await waitFor('the first messages acknowledged', () => uplink.health().sent >= 8, 15_000);

    // The hub side goes away with its broker; the gateway keeps producing into its outbox.
    await subscriber!.endAsync(true);
    subscriber = undefined;
    await broker.stop();
    await new Promise((r) => setTimeout(r, OUTAGE_S * 1000));
    expect(uplink.health().connected).toBe(false);

    await broker.start();
    const back = Date.now();
    const beforeReturn = sent.length;
    // Worst ordering: the gateway is first; what it sends at once is lost in the empty broker.
    await waitFor('the gateway reconnected', () => uplink.health().connected, 90_000);
    const reconnectMs = Date.now() - back;
    subscriber = await startAckingSubscriber(broker.url, received);
    const owed = sent.slice(0, beforeReturn);
    await waitFor('every message made before the return', () => owed.every((id) => received.has(id)), 120_000);
    const catchUpMs = Math.max(...owed.map((id) => received.get(id)!)) - back;
    console.log(`catch-up: reconnected ${reconnectMs} ms and delivered all ${owed.length} messages ${catchUpMs} ms after the broker's return (outage ${OUTAGE_S} s)`);

    clearInterval(producer);
    producer = undefined;
    await waitFor('the outbox drained', () => uplink.health().queued === 0, 30_000);
    expect(sent.every((id) => received.has(id))).toBe(true);
    expect(owed.length).toBeGreaterThan(OUTAGE_S * 3);
    expect(catchUpMs).toBeLessThanOrEqual(DEADLINE_MS);
  }, 60_000 + OUTAGE_S * 1000 + 240_000);
});
