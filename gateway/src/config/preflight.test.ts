import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './load.js';
import { resolveStatePaths } from './paths.js';
import { preflight, preflightHub } from './preflight.js';
import { InsecureConfigError } from './secure-start.js';
import { parseHubConfig } from '../hub/config.js';

const dir = mkdtempSync(join(tmpdir(), 'cg-preflight-'));
const TEMPLATES = new Map([['classroom-light', 'mqtt'], ['energy-meter-3p', 'modbus'], ['env-sensor-rs485', 'modbus'], ['water-meter', 'serial']]
  .map(([id, transport]) => [id!, { id: id!, transport: transport! }] as const));
const templates = { get: (id: string) => TEMPLATES.get(id), list: () => [...TEMPLATES.values()] };
const SECURE = {
  broker: { auth: { enabled: true } },
  http: { tokens: [{ role: 'admin', tokenHash: `sha256$${'ab'.repeat(32)}` }] },
};

function check(raw: Record<string, unknown>) {
  const config = parseConfig({ dataDir: join(dir, 'data'), ...SECURE, ...raw }, 'site.yaml');
  return preflight(config, { file: 'site.yaml', templates, paths: resolveStatePaths(config) });
}
function problems(raw: Record<string, unknown>): string[] {
  try {
    check(raw);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('preflight: what start would trip over', () => {
  it('passes a good config and warns about a serial port that is not plugged in yet', () => {
    const r = check({ adapters: { serial: [{ path: join(dir, 'ttyUSB7'), template: 'water-meter', deviceId: 'w1' }] } });
    expect(r).toEqual({ open: [], warnings: [`adapters.serial.0.path: ${join(dir, 'ttyUSB7')} does not exist (yet); the adapter keeps trying until it is plugged in`] });
  });

  it('refuses templates that do not exist or are of another transport, with the nearest name', () => {
    expect(problems({
      devices: [{ id: 'l1', template: 'clasroom-light' }],
      adapters: {
        modbus: [{ transport: 'tcp', host: '10.0.0.9', template: 'no-such-thing', deviceId: 'm1' }],
        serial: [{ path: '/dev/null', template: 'energy-meter-3p', deviceId: 's1' }],
      },
    })).toEqual([
      'devices.0.template: no device template "clasroom-light"; did you mean "classroom-light"?',
      'adapters.modbus.0.template: no device template "no-such-thing" (4 templates; `campus-gateway templates check` lists them)',
      'adapters.serial.0.template: "energy-meter-3p" is a template for modbus devices; expected one for serial',
    ]);
  });

  it('refuses a device driven twice and two devices on one serial port', () => {
    expect(problems({
      adapters: {
        modbus: [{ transport: 'tcp', host: '10.0.0.9', template: 'energy-meter-3p', deviceId: 'm1' }],
        serial: [{ path: '/dev/null', template: 'water-meter', deviceId: 'm1' }, { path: '/dev/null', template: 'water-meter', deviceId: 'w2' }],
      },
    })).toEqual([
      'adapters.serial.0.deviceId: "m1" is also adapters.modbus.0.deviceId; expected one adapter entry per device',
      'adapters.serial.1.path: /dev/null is also adapters.serial.0.path; expected one device per serial port (several Modbus RTU devices share a port under adapters.modbus)',
    ]);
  });

  it('refuses two listeners on one port, ignoring 0 and null and different addresses', () => {
    expect(problems({ broker: { ...SECURE.broker, port: 8080 }, http: { ...SECURE.http, port: 8080 } })).toEqual(['http.port: 8080 is also broker.port; expected a port of its own for each listener']);
    const cert = join(dir, 'cert.pem');
    writeFileSync(cert, 'x');
    expect(problems({ broker: { ...SECURE.broker, port: 1883, tls: { port: 1883, certFile: cert, keyFile: cert }, websocket: { port: 0 } }, http: { ...SECURE.http, port: 0 } }))
      .toEqual(['broker.tls.port: 1883 is also broker.port; expected a port of its own for each listener']);
    expect(problems({ broker: { ...SECURE.broker, port: null, websocket: { port: 0 } }, http: { ...SECURE.http, port: 0 } })).toEqual([]);
    expect(problems({ broker: { ...SECURE.broker, port: 8080, host: '127.0.0.1' }, http: { ...SECURE.http, port: 8080, host: '10.0.0.2' } })).toEqual([]);
  });

  it('refuses files it would read that are missing, and state paths it cannot write', () => {
    const notADir = join(dir, 'plain-file');
    writeFileSync(notADir, 'x');
    expect(problems({
      broker: { ...SECURE.broker, tls: { certFile: join(dir, 'missing.pem'), keyFile: dir } },
      uplink: { url: 'mqtts://hub', caFile: join(dir, 'ca.pem'), outboxPath: join(notADir, 'outbox.db') },
      templatesDir: join(dir, 'no-templates'),
    })).toEqual([
      `broker.tls.certFile: cannot read ${join(dir, 'missing.pem')} (no such file)`,
      `broker.tls.keyFile: ${dir} is not a file`,
      `uplink.caFile: cannot read ${join(dir, 'ca.pem')} (no such file)`,
      `uplink.outboxPath: cannot create ${join(notADir, 'outbox.db')} (${notADir} is not a directory)`,
      `templatesDir: ${join(dir, 'no-templates')} is not a directory`,
    ]);
    expect(problems({ privacy: { pseudonymKeyFile: dir } })).toEqual([`privacy.pseudonymKeyFile: ${dir} is a directory; expected a file`]);
  });

  it('then refuses an open gateway, as start does', () => {
    const config = parseConfig({ dataDir: join(dir, 'data') });
    expect(() => preflight(config, { file: 'site.yaml', templates, paths: resolveStatePaths(config) })).toThrow(InsecureConfigError);
  });

  it('checks the hub role\'s CA and dedup database', () => {
    const hub = parseHubConfig({ broker: { url: 'mqtts://hub', caFile: join(dir, 'hub-ca.pem') }, influx: { url: 'http://x:8086' }, dedup: { path: join(dir, 'plain-file', 'dedup.db') } });
    expect(() => preflightHub(hub, 'hub.yaml')).toThrow(ConfigError);
    try {
      preflightHub(hub, 'hub.yaml');
    } catch (err) {
      expect((err as ConfigError).problems).toEqual([
        `broker.caFile: cannot read ${join(dir, 'hub-ca.pem')} (no such file)`,
        `dedup.path: cannot create ${join(dir, 'plain-file', 'dedup.db')} (${join(dir, 'plain-file')} is not a directory)`,
      ]);
    }
  });
});
