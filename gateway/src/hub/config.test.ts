import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/load.js';
import { sha256Token } from '../api/token-hash.js';
import { loadHubConfig, parseHubConfig } from './config.js';

const example = join(fileURLToPath(new URL('.', import.meta.url)), '../../../edge/hub/hub.example.yaml');

describe('edge/hub/hub.example.yaml', () => {
  it('validates, with the broker password from the environment', () => {
    const config = loadHubConfig(example, { CAMPUS_HUB_MQTT_PASSWORD: 'from-the-env' });
    expect(config.broker).toMatchObject({ username: 'district-hub', password: 'from-the-env' });
  });

  it('refuses to load without it, naming the variable', () => {
    expect(() => loadHubConfig(example, {})).toThrow(ConfigError);
    expect(() => loadHubConfig(example, {})).toThrow(/broker\.password: the environment variable CAMPUS_HUB_MQTT_PASSWORD is not set/);
  });
});

describe('hub config: http', () => {
  const base = { broker: { url: 'mqtt://127.0.0.1:1883' }, influx: { url: 'http://127.0.0.1:8086' } };
  it('is optional: without it the hub serves no HTTP', () => {
    expect(parseHubConfig(base).http).toBeUndefined();
  });
  it('refuses an API without tokens unless insecure: true', () => {
    expect(() => parseHubConfig({ ...base, http: {} }, 'hub.yaml')).toThrow(/hub\.yaml[\s\S]*http\.tokens:[\s\S]*at least one district or admin token[\s\S]*insecure: true[\s\S]*GW_ERR_INSECURE_CONFIG/);
    expect(parseHubConfig({ ...base, http: {}, insecure: true }).http).toMatchObject({ port: 8090, host: '0.0.0.0', tokens: [], silentAfterSeconds: 900 });
  });
  it('takes district and admin tokens only, as hashes', () => {
    const tokenHash = sha256Token('a-long-random-token-0123456789abcdef');
    expect(parseHubConfig({ ...base, http: { tokens: [{ role: 'district', tokenHash }] } }).http!.tokens).toHaveLength(1);
    expect(() => parseHubConfig({ ...base, http: { tokens: [{ role: 'facilities', tokenHash }] } })).toThrow(/http\.tokens\.0\.role/);
    expect(() => parseHubConfig({ ...base, http: { tokens: [{ role: 'admin', tokenHash: 'the-token-itself' }] } })).toThrow(/http\.tokens\.0\.tokenHash/);
    expect(() => parseHubConfig({ ...base, http: { tokens: [{ role: 'admin', tokenHash: 'the-token-itself' }] } })).not.toThrow(/the-token-itself/);
  });
});

describe('hub config: broker.connections', () => {
  const base = { broker: { url: 'mqtt://127.0.0.1:1883' }, influx: { url: 'http://127.0.0.1:8086' } };
  it('is 1 by default, and more only in a shared group', () => {
    expect(parseHubConfig(base).broker.connections).toBe(1);
    expect(parseHubConfig({ ...base, broker: { ...base.broker, sharedGroup: 'district', connections: 4 } }).broker.connections).toBe(4);
    expect(() => parseHubConfig({ ...base, broker: { ...base.broker, connections: 4 } }, 'hub.yaml'))
      .toThrow(/hub\.yaml[\s\S]*broker\.connections:[\s\S]*needs broker\.sharedGroup/);
    expect(() => parseHubConfig({ ...base, broker: { ...base.broker, sharedGroup: 'g', connections: 0 } })).toThrow(/broker\.connections/);
  });
});
