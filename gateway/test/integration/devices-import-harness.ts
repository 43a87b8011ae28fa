// A running gateway for the device import tests: createGateway on ports 0 with broker
// auth on, role tokens on the API, the embedded store and its data dir (where the devices
// file lives) in a directory the caller keeps, so a second gateway can start on it.
import { Writable } from 'node:stream';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { join } from 'node:path';
import { sha256Token } from '../../src/api/token-hash.js';
import { createGateway, parseConfig, type Gateway } from '../../src/index.js';

export const ADMIN_TOKEN = 'import-admin-0123456789abcdef0123456789';
export const FACILITIES_TOKEN = 'import-facilities-0123456789abcdef012345';
export const INTERNAL_USER = 'telegraf';

export interface ImportGateway {
  gateway: Gateway;
  base: string;
  mqttUrl: string;
  /** Everything the gateway logged (pino JSON lines, level debug and up). */
  logged(): string;
  api(path: string, init?: { method?: string; token?: string | null; type?: string; body?: string }): Promise<Response>;
  stop(): Promise<void>;
}

export async function startImportGateway(dir: string): Promise<ImportGateway> {
  const config = parseConfig({
    site: { id: 'import-school', name: 'Import School' },
    broker: {
      port: 0, host: '127.0.0.1',
      auth: {
        enabled: true, maxFailures: 1000, lockoutSeconds: 60,
        internalUsers: [{ username: INTERNAL_USER, secretHash: 'scrypt$1024$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }],
      },
    },
    http: { port: 0, host: '127.0.0.1', tokens: [{ role: 'admin', tokenHash: sha256Token(ADMIN_TOKEN) }, { role: 'facilities', tokenHash: sha256Token(FACILITIES_TOKEN) }] },
    store: { kind: 'embedded', path: join(dir, 'data') },
    privacy: { pseudonymKeyFile: join(dir, 'data', 'pseudonym.key') },
    log: { level: 'debug' },
  });
  let text = '';
  const sink = new Writable({ write(chunk: Buffer, _enc, cb) { text += chunk.toString(); cb(); } });
  const gateway = createGateway(config, { log: pino({ level: 'debug' }, sink) });
  await gateway.start();
  const base = `http://127.0.0.1:${gateway.ports().http}`;
  return {
    gateway, base, mqttUrl: `mqtt://127.0.0.1:${gateway.ports().mqtt}`,
    logged: () => text,
    api(path, init = {}) {
      const headers: Record<string, string> = {};
      const token = init.token === undefined ? ADMIN_TOKEN : init.token;
      if (token !== null) headers.authorization = `Bearer ${token}`;
      if (init.type) headers['content-type'] = init.type;
      return fetch(`${base}${path}`, { method: init.method ?? 'GET', headers, ...(init.body !== undefined ? { body: init.body } : {}) });
    },
    stop: () => gateway.stop(),
  };
}

export interface ImportAnswer {
  devices: number;
  added: number;
  updated: number;
  unchanged: number;
  secretsMade: number;
  connectionsClosed: number;
  secrets: Array<{ id: string; secret: string }>;
}

export function importCsv(gw: ImportGateway, csv: string, token?: string | null): Promise<Response> {
  return gw.api('/api/devices/import', { method: 'POST', type: 'text/csv', body: csv, ...(token !== undefined ? { token } : {}) });
}

/**
 * Logs a device in (client id = its device id, one device one connection) and publishes
 * one reading at QoS 1 (PUBACK once stored); resolves with the CONNACK code when refused.
 */
export async function deviceLogin(url: string, id: string, secret: string, publish?: { topic: string; payload: string }): Promise<number> {
  let client: mqtt.MqttClient;
  try {
    client = await mqtt.connectAsync(url, { clientId: id, username: id, password: secret, reconnectPeriod: 0, connectTimeout: 30_000 });
  } catch (err) {
    return (err as { code?: number }).code ?? -1;
  }
  try {
    if (publish) await client.publishAsync(publish.topic, publish.payload, { qos: 1 });
    return 0;
  } finally {
    await client.endAsync();
  }
}

/** A school of `n` devices: lights, meters, and pens and wristbands bound to students. */
export function schoolCsv(n: number, prefix = 'S'): { csv: string; ids: string[] } {
  const lines = ['id,template,building,room,person'];
  const ids: string[] = [];
  for (let i = 0; i < n; i += 1) {
    const room = `${100 + Math.floor(i / 40)}`;
    const building = `教学楼${'ABCD'[i % 4]}`;
    const kind = i % 4;
    const id = `${prefix}-${String(i).padStart(5, '0')}`;
    ids.push(id);
    if (kind === 0) lines.push(`${id},classroom-light,${building},${room},`);
    else if (kind === 1) lines.push(`${id},energy-meter-1p,${building},"${room}, east",`);
    else if (kind === 2) lines.push(`${id},smart-pen,${building},${room},学生${i}`);
    else lines.push(`${id},student-wristband,${building},${room},"Wang, ${i}"`);
  }
  return { csv: `${lines.join('\n')}\n`, ids };
}
