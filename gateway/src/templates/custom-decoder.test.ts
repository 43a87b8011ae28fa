import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTemplateDir } from './load.js';
import { decodeMqtt } from './mqtt-decode.js';

let root: string;
const TEMPLATE = `
id: legacy-th
name: Legacy temperature/humidity sensor (text payload)
zh: 旧式温湿度传感器（文本报文）
category: environment
transport: mqtt
decoder: decoder.ts
fields:
  - { name: temperature_c, zh: 温度, type: number, unit: °C, min: -40, max: 80, role: gauge }
  - { name: humidity_pct, zh: 相对湿度, type: number, unit: '%', min: 0, max: 100, role: gauge }
mqtt: {}
`;
const DECODER = `
export function decode(input: string) {
  const kv = Object.fromEntries(input.split(';').map((p) => p.split('=')));
  if (kv.T === undefined || kv.H === undefined) return { ok: false, code: 'missing_field', reason: 'expected T=<°C>;H=<%>' };
  return { ok: true, samples: [{ fields: { temperature_c: Number(kv.T), humidity_pct: Number(kv.H) } }] };
}
`;
const SAMPLES = `
good:
  - { name: a, raw: 'T=23.5;H=45', expect: [{ ts: 1700000000000, fields: { temperature_c: 23.5, humidity_pct: 45 } }] }
  - { name: b, raw: 'T=-3;H=80.5', expect: [{ ts: 1700000000000, fields: { temperature_c: -3, humidity_pct: 80.5 } }] }
bad:
  - { name: range, raw: 'T=95;H=45', code: out_of_range, reason: 'temperature_c (decoder): 95 is outside -40…80' }
  - { name: missing, raw: 'T=20', code: missing_field, reason: 'expected T=' }
`;

async function folder(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  for (const [f, text] of Object.entries(files)) await writeFile(join(dir, f), text);
  return dir;
}

beforeAll(async () => { root = await mkdtemp(join(tmpdir(), 'tpl-dec-')); });
afterAll(async () => { await rm(root, { recursive: true, force: true }); });

describe('template decoder modules', () => {
  it('loads a decoder beside the template; its output goes through the field checks; samples pass', async () => {
    const dir = await folder('legacy-th', { 'template.yaml': TEMPLATE, 'decoder.ts': DECODER, 'samples.yaml': SAMPLES });
    const r = await loadTemplateDir(dir);
    expect(r.ok ? [] : r.problem.problems).toEqual([]);
    if (!r.ok) return;
    const ctx = { device: 'th1', channel: 'telemetry' as const, receivedAt: 5 };
    expect(decodeMqtt(r.loaded.template, new TextEncoder().encode('T=21;H=40'), ctx)).toEqual({
      ok: true, readings: [{ template: 'legacy-th', device: 'th1', ts: 5, fields: { temperature_c: 21, humidity_pct: 40 }, tags: {} }],
    });
    expect(decodeMqtt(r.loaded.template, 'T=x;H=40', ctx)).toMatchObject({ ok: false, code: 'wrong_type' });
  });

  it('reports an unresolved decoder and a module without decode()', async () => {
    const missing = await folder('legacy-a', { 'template.yaml': TEMPLATE.replace('legacy-th', 'legacy-a'), 'samples.yaml': SAMPLES });
    const r1 = await loadTemplateDir(missing);
    expect(r1.ok ? [] : r1.problem.problems).toEqual([`${join(missing, 'template.yaml')}: decoder: decoder.ts is not a file in ${missing}`]);
    const nodecode = await folder('legacy-b', { 'template.yaml': TEMPLATE.replace('legacy-th', 'legacy-b'), 'decoder.ts': 'export const x = 1;\n', 'samples.yaml': SAMPLES });
    const r2 = await loadTemplateDir(nodecode);
    expect(r2.ok ? [] : r2.problem.problems).toEqual([`${join(nodecode, 'template.yaml')}: decoder: decoder.ts does not export a function decode(input, ctx)`]);
  });
});
