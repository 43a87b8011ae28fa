/**
 * A QoS 0 flood against a store that does not keep up: the broker stops reading the
 * client's socket once 2,000 QoS 0 readings wait for the store (TCP backpressure instead
 * of memory), counts it, and loses nothing once the store catches up.
 */
import mqtt from 'mqtt';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createBroker, type Broker } from '../../src/broker/broker.js';
import { until } from '../kit/index.js';

let broker: Broker | undefined;
afterEach(async () => { await broker?.stop(); broker = undefined; });

describe('QoS 0 backpressure', () => {
  it('stops reading a flooding client while the store lags, then stores every reading', async () => {
    const TOTAL = 8_000;
    let calls = 0;
    let stored = 0;
    const held: (() => void)[] = [];
    let blocked = true;
    broker = createBroker({ port: 0, host: '127.0.0.1', limits: { publishesPerSecond: 1_000_000 } }, {
      log: pino({ level: 'silent' }),
      onDevicePublish: () => {
        calls++;
        return new Promise<void>((resolve) => {
          const done = () => { stored++; resolve(); };
          if (blocked) held.push(done);
          else done();
        });
      },
      onDeviceStatus: () => undefined,
    });
    await broker.start();
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port()}`, { clientId: 'flood', reconnectPeriod: 0 });
    try {
      for (let i = 0; i < TOTAL; i++) client.publish('campus/classroom-light/L-1/telemetry', `{"bri":${i % 100}}`, { qos: 0 });
      // Wait until ingest stops growing: the broker no longer reads while 2,000 wait.
      let last = -1;
      await until('ingest to stop growing', () => {
        const now = calls;
        const stable = now === last && now >= 2_000;
        last = now;
        return stable ? true : undefined;
      }, 30_000, 500);
      expect(calls).toBeLessThan(TOTAL);
      expect(broker.stats().qos0Throttled).toBeGreaterThan(0);
      blocked = false;
      for (const done of held.splice(0)) done();
      await until('every reading stored', () => (stored === TOTAL ? true : undefined), 30_000);
      expect(calls).toBe(TOTAL);
    } finally {
      await client.endAsync(true);
    }
  });
});
