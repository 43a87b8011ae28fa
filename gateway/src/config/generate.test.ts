import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { repoRoot, staleFiles, withStateTable } from './generate.js';
import { gatewayConfigJsonSchema, hubConfigJsonSchema, type JsonSchema } from './json-schema.js';
import { parseConfig } from './load.js';
import { parseHubConfig } from '../hub/config.js';

/** Every key path of a JSON Schema that has no description. */
function undescribed(node: JsonSchema, path: string): string[] {
  const out: string[] = [];
  const props = (node.properties ?? {}) as Record<string, JsonSchema>;
  for (const [key, child] of Object.entries(props)) {
    const p = path ? `${path}.${key}` : key;
    if (typeof child.description !== 'string' || child.description.length < 3) out.push(p);
    out.push(...undescribed(child, p));
  }
  for (const variant of (node.oneOf ?? node.anyOf ?? []) as JsonSchema[]) out.push(...undescribed(variant, path));
  if (node.items && typeof node.items === 'object') out.push(...undescribed(node.items as JsonSchema, `${path}[]`));
  return out;
}

describe('generated config files', () => {
  it('are current: config.schema.json, hub-config.schema.json, docs/configuration.md, the README table (npm run gen)', () => {
    expect(staleFiles()).toEqual([]);
  });

  it('describe every key, so the editor and the reference page say what it does', () => {
    expect(undescribed(gatewayConfigJsonSchema(), '')).toEqual([]);
    expect(undescribed(hubConfigJsonSchema(), '')).toEqual([]);
  });

  it('carry no value of the machine they were made on', () => {
    expect(JSON.stringify(hubConfigJsonSchema())).not.toContain(`campus-hub-${hostname()}`);
  });

  it('the example configs name their schema on the first line, and validate', () => {
    const examples: Array<[string, 'gateway' | 'hub']> = [
      ['edge/site/gateway.yaml', 'gateway'], ['edge/site/hub.yaml', 'hub'], ['edge/hub/hub.example.yaml', 'hub'], ['edge/hub/hub.compose.example.yaml', 'hub'],
    ];
    for (const [file, kind] of examples) {
      const text = readFileSync(join(repoRoot, file), 'utf8');
      const schema = /^# yaml-language-server: \$schema=(\S+)\n/.exec(text)?.[1];
      expect(schema, file).toBe(kind === 'gateway' ? '../../gateway/config.schema.json' : '../../gateway/hub-config.schema.json');
      expect(existsSync(resolve(dirname(join(repoRoot, file)), schema!)), file).toBe(true);
      const env = { CAMPUS_ADMIN_TOKEN_HASH: `sha256$${'ab'.repeat(32)}`, CAMPUS_HUB_MQTT_PASSWORD: 'x', CAMPUS_HUB_INFLUX_PASSWORD: 'x' };
      if (kind === 'gateway') expect(() => parseConfig(parseYaml(text), file, env)).not.toThrow();
      else expect(() => parseHubConfig(parseYaml(text), file)).not.toThrow();
    }
  });

  it('refuse a README without the table markers', () => {
    expect(() => withStateTable('# no markers')).toThrow(/GW_ERR_GENERATE/);
  });
});
