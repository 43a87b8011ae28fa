import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/load.js';
import { loadHubConfig } from './config.js';

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
