// A running gateway for the API, web and dashboard tests: createGateway on ports 0
// with its embedded store and pseudonym key in a temp dir, plus helpers to talk to it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { createGateway, parseConfig, silentLogger, type Gateway } from '../../src/index.js';
import type { GatewayConfigInput } from '../../src/config/schema.js';

export interface RunningGateway {
  gateway: Gateway;
  base: string;
  mqttUrl: string;
  dir: string;
  /** fetch against the gateway with an optional bearer token. */
  api(path: string, init?: RequestInit & { token?: string }): Promise<Response>;
  /** Publishes one JSON payload as a device (QoS 1: resolves once stored). */
  publish(template: string, device: string, payload: unknown, channel?: 'telemetry' | 'event'): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestGateway(extra: Partial<GatewayConfigInput> = {}): Promise<RunningGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'gw-api-'));
  const config = parseConfig({
    insecure: extra.insecure ?? true, // on loopback, open on purpose (no broker auth and/or no API tokens)
    site: { id: 'test-school', name: 'Test School', ...extra.site },
    broker: { port: 0, host: '127.0.0.1' },
    http: { port: 0, host: '127.0.0.1', ...extra.http },
    store: { kind: 'embedded', path: join(dir, 'data') },
    privacy: { pseudonymKeyFile: join(dir, 'pseudonym.key') },
    log: { level: 'silent' },
    ...(extra.devices ? { devices: extra.devices } : {}),
  });
  const gateway = createGateway(config, { log: silentLogger() });
  await gateway.start();
  const base = `http://127.0.0.1:${gateway.ports().http}`;
  const mqttUrl = `mqtt://127.0.0.1:${gateway.ports().mqtt}`;
  const publisher = await mqtt.connectAsync(mqttUrl, { clientId: `test-publisher-${process.pid}`, reconnectPeriod: 0 });
  return {
    gateway, base, mqttUrl, dir,
    api(path, init = {}) {
      const { token, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (token) headers.set('authorization', `Bearer ${token}`);
      if (rest.body && !headers.has('content-type')) headers.set('content-type', 'application/json');
      return fetch(`${base}${path}`, { ...rest, headers });
    },
    async publish(template, device, payload, channel = 'telemetry') {
      await publisher.publishAsync(`campus/${template}/${device}/${channel}`, JSON.stringify(payload), { qos: 1 });
    },
    async stop() {
      await publisher.endAsync();
      await gateway.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
