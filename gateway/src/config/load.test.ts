import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, readYaml } from './load.js';

describe('parseConfig', () => {
  it('fills the embedded defaults', () => {
    const c = parseConfig({});
    expect(c.broker.port).toBe(1883);
    expect(c.http.port).toBe(8080);
    expect(c.store).toMatchObject({ kind: 'embedded', path: './data' });
    expect(c.privacy.minGroupSize).toBe(5);
  });
  it('applies environment overrides', () => {
    const c = parseConfig({}, 'x', { GATEWAY_HTTP_PORT: '9090', GATEWAY_MQTT_PORT: '1999', GATEWAY_DATA_DIR: '/tmp/d' });
    expect(c.http.port).toBe(9090);
    expect(c.broker.port).toBe(1999);
    expect(c.store).toMatchObject({ kind: 'embedded', path: '/tmp/d' });
  });
  it('names the key path, the bad value and what was expected', () => {
    try {
      parseConfig({ broker: { port: 'eighty' }, colour: 'red' }, 'site.yaml');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const msg = (err as ConfigError).message;
      expect(msg).toContain('site.yaml');
      expect(msg).toContain('broker.port: got "eighty"; expected');
      expect(msg).toMatch(/unknown key\(s\) "colour"/);
    }
  });
  it('checks per-variant requirements of store and adapters', () => {
    expect(() => parseConfig({ store: { kind: 'influx', url: 'http://127.0.0.1:8086' } })).toThrow(/store.database/);
    expect(() => parseConfig({ adapters: { modbus: [{ transport: 'tcp', template: 'energy-meter-3p', deviceId: 'M1' }] } })).toThrow(/adapters.modbus.0.host/);
  });
});

describe('readYaml', () => {
  const problems = (text: string): string[] => {
    try {
      readYaml(text, 'site.yaml');
    } catch (err) {
      if (err instanceof ConfigError) return err.problems;
      throw err;
    }
    return [];
  };

  it('reads plain YAML', () => {
    expect(readYaml('site:\n  id: school-1\nbroker:\n  port: 1883\n', 'site.yaml')).toEqual({ site: { id: 'school-1' }, broker: { port: 1883 } });
  });

  it('refuses an unknown tag or a broken document with its line, instead of warning on stderr', () => {
    expect(problems('site:\n  id: !secret school-1\n')).toEqual([expect.stringMatching(/^not valid YAML at line 2: .*!secret/)]);
    expect(problems('site:\n  id: [school-1\n')).toEqual([expect.stringMatching(/^not valid YAML at line \d/)]);
  });
});
