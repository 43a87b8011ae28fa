import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, readYaml } from './load.js';
import { closest, editDistance } from './issues.js';
import { parseHubConfig } from '../hub/config.js';

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}
const of = (raw: unknown) => problems(() => parseConfig(raw, 'site.yaml'));

describe('config problems in plain words', () => {
  it.each<[string, unknown, string]>([
    ['a value that is not one of a list', { store: { kind: 'influxdb' } }, 'store.kind: "influxdb" is not one of: embedded, influx'],
    ['a missing discriminator', { store: { url: 'http://influxdb:8086' } }, 'store.kind: missing; expected one of: embedded, influx'],
    ['text where a number belongs', { http: { port: '80a' } }, 'http.port: expected a number, got the text "80a"'],
    ['a fraction where a whole number belongs', { http: { port: 1.5 } }, 'http.port: expected a whole number, got 1.5'],
    ['a number above the maximum', { http: { port: 70000 } }, 'http.port: expected at most 65535, got 70000'],
    ['a number below the minimum', { broker: { limits: { maxPacketBytes: 10 } } }, 'broker.limits.maxPacketBytes: expected at least 1024, got 10'],
    ['an enum', { log: { level: 'verbose' } }, 'log.level: "verbose" is not one of: fatal, error, warn, info, debug, trace, silent'],
    ['a union of literals', { store: { kind: 'influx', url: 'http://x:8086', database: 'd', apiVersion: 3 } }, 'store.apiVersion: 3 is not one of: 1, 2'],
    ['a union of a type and a literal', { store: { kind: 'influx', url: 'http://x:8086', database: 'd', gzip: 'yes' } }, 'store.gzip: expected true or false, or auto, got the text "yes"'],
    ['a pattern with its own words', { site: { id: 'North School' } }, 'site.id: expected a lowercase site id (letters, digits, -), got the text "North School"'],
    ['a URL', { store: { kind: 'influx', url: 'influxdb', database: 'd' } }, 'store.url: expected a URL such as http://influxdb:8086, got the text "influxdb"'],
    ['a refine', { uplink: { url: 'mqtt://hub', windowSeconds: 7 } }, 'uplink.windowSeconds: expected a number of seconds that divides an hour, got 7'],
    ['a cross-check of a missing key', { store: { kind: 'influx', url: 'http://x:8086' } }, 'store.database: database is required for apiVersion 1'],
    ['a missing key', { devices: [{ id: 'a' }] }, 'devices.0.template: expected a text, got nothing (the key is missing)'],
    ['a list where a mapping belongs', { uplink: ['mqtt://hub'] }, 'uplink: expected a mapping (key: value), got a list ["mqtt://hub"]'],
    ['a boolean', { insecure: 'yes' }, 'insecure: expected true or false, got the text "yes"'],
  ])('%s', (_name, raw, message) => {
    expect(of(raw)).toEqual([message]);
  });

  it('suggests the allowed key nearest to an unknown one, at its path', () => {
    const modbus = { transport: 'tcp', host: '10.0.0.9', template: 'energy-meter-3p', deviceId: 'm1', unitid: 3 };
    expect(of({ adapters: { modbus: [modbus] } })).toEqual(['adapters.modbus.0.unitid: unknown key; did you mean "unitId"?']);
    expect(of({ http: { prot: 8080 } })).toEqual(['http.prot: unknown key; did you mean "port"?']);
    // Inside a union, the keys of the branch the value belongs to.
    expect(of({ store: { kind: 'influx', url: 'http://x:8086', database: 'd', spolPath: '/s' } })).toEqual(['store.spolPath: unknown key; did you mean "spoolPath"?']);
    expect(of({ store: { kind: 'embedded', pth: '/s' } })).toEqual(['store.pth: unknown key; did you mean "path"?']);
  });

  it('lists the allowed keys when none is near', () => {
    expect(of({ colour: 'red' })).toEqual([expect.stringMatching(/^colour: unknown key; expected one of: site, dataDir, broker, devices, adapters, store, uplink, privacy, http, templatesDir, log, insecure$/)]);
  });

  it('does the same for the hub config', () => {
    const p = problems(() => parseHubConfig({ broker: { url: 'mqtt://hub', topicprefix: 'hub' }, influx: { url: 'http://x:8086' } }));
    expect(p).toEqual(['broker.topicprefix: unknown key; did you mean "topicPrefix"?']);
  });

  it('never repeats a secret, in any kind of problem', () => {
    const secret = 'Zq7Xv9Kp2Wm4';
    const text = [
      ...of({ http: { tokens: [{ role: 'admin', tokenHash: secret }] } }),
      ...of({ uplink: [{ url: 'mqtt://hub', password: secret }] }),
      ...of({ store: { kind: 'influx', url: 'http://x:8086', apiVersion: 2, org: 'o', bucket: 'b', token: 42 } }),
    ].join('\n');
    expect(text).toContain('http.tokens.0.tokenHash: expected an scrypt$N$r$p$salt$hash string');
    expect(text).toContain('got (not shown: a secret)');
    expect(text).not.toContain(secret.slice(0, 6));
  });
});

describe('YAML syntax errors', () => {
  it('show the line and a caret under the column', () => {
    const p = problems(() => readYaml('site:\n  id: north\nbroker:\n  port: 1883\n   host: 0.0.0.0\n', 'site.yaml'));
    expect(p[0]).toBe('not valid YAML at line 4, column 9: Nested mappings are not allowed in compact mappings\n        port: 1883\n              ^');
  });
});

describe('closest', () => {
  it('finds typos, case slips and swapped letters, and nothing far away', () => {
    expect(editDistance('prot', 'port')).toBe(1);
    expect(closest('unitid', ['unitId', 'deviceId'])).toBe('unitId');
    expect(closest('spolPath', ['spoolPath', 'walPath'])).toBe('spoolPath');
    expect(closest('colour', ['site', 'broker'])).toBeUndefined();
  });
});
