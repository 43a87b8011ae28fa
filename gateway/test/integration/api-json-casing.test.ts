/**
 * One casing for JSON bodies (gateway/src/api/README.md, "JSON casing"): every key the API
 * defines is snake_case. Walks every key of /api/health, /api/health/details and the other
 * bodies (devices, a live session, a saved roster, summaries, templates, the OpenAPI response
 * schemas) of a real gateway. Keys that are data pass as they are (template ids, device ids):
 * none of them has an upper-case letter either.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type RunningGateway } from './api-harness.js';

const CAMEL = /[a-z0-9][A-Z]/;

/** A template as its file spells it (`offlineAfterMs`, `mqtt.tsKey`): data, like a config entry. */
const AS_WRITTEN = new Set(['template_info']);

function camelKeys(body: unknown, path = '$', found: string[] = []): string[] {
  if (Array.isArray(body)) body.forEach((v, i) => camelKeys(v, `${path}[${i}]`, found));
  else if (body !== null && typeof body === 'object') {
    for (const [k, v] of Object.entries(body)) {
      if (CAMEL.test(k)) found.push(`${path}.${k}`);
      if (!AS_WRITTEN.has(k)) camelKeys(v, `${path}.${k}`, found);
    }
  }
  return found;
}

/** Property names of the OpenAPI document's response schemas. */
function responseProperties(doc: unknown, found: string[] = []): string[] {
  const walk = (node: unknown, path: string): void => {
    if (Array.isArray(node)) node.forEach((v, i) => walk(v, `${path}[${i}]`));
    else if (node !== null && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (o.properties && typeof o.properties === 'object') for (const k of Object.keys(o.properties)) if (CAMEL.test(k)) found.push(`${path}.${k}`);
      for (const [k, v] of Object.entries(o)) walk(v, `${path}.${k}`);
    }
  };
  for (const [p, ops] of Object.entries((doc as { paths?: Record<string, Record<string, { responses?: unknown }>> }).paths ?? {})) {
    for (const [method, op] of Object.entries(ops)) walk(op.responses, `${method.toUpperCase()} ${p}`);
  }
  return found;
}

describe('JSON bodies use snake_case keys', () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ devices: [{ id: 'P-1', template: 'smart-pen', person: 'S-1' }] });
    await gw.publish('smart-pen', 'P-1', { x: 1, y: 2, p: 300, pen: 'P-1', seq: 1 });
  });
  afterAll(async () => gw?.stop());

  const get = async (path: string, init?: RequestInit) => {
    const res = await gw.api(path, init);
    expect(res.status, `${path}: ${res.status}`).toBeLessThan(300);
    return res.json() as Promise<unknown>;
  };

  it('/api/health (open: the full body), /api/health/details, /api/me', async () => {
    const health = await get('/api/health');
    expect(health).toHaveProperty('broker.connections_open');
    expect(camelKeys(health)).toEqual([]);
    expect(camelKeys(await get('/api/health/details'))).toEqual([]);
    expect(camelKeys(await get('/api/me'))).toEqual([]);
  });

  it('devices, one device, templates, summaries', async () => {
    const device = await get('/api/devices/P-1');
    expect(device).toHaveProperty('last_seen');
    expect(device).toHaveProperty('template_info');
    expect(camelKeys(device)).toEqual([]);
    expect(camelKeys(await get('/api/devices'))).toEqual([]);
    expect(camelKeys(await get('/api/templates'))).toEqual([]);
    const summaries = await get('/api/summaries');
    expect(summaries).toHaveProperty('hub_url');
    expect(camelKeys(summaries)).toEqual([]);
  });

  it('a live session and a saved roster', async () => {
    const created = await get('/api/sessions', {
      method: 'POST', body: JSON.stringify({ room: '101', class: '7B', subject: 'Physics', end: new Date(Date.now() + 3_600_000).toISOString(), roster: [{ device: 'P-1', student: 'S One' }] }),
    }) as { id: string };
    const live = await get(`/api/sessions/${created.id}`);
    expect(live).toHaveProperty('dropped_readings');
    expect(live).toHaveProperty('stopped_at');
    expect(camelKeys(live)).toEqual([]);
    expect(camelKeys(await get('/api/sessions'))).toEqual([]);
    expect(camelKeys(await get(`/api/sessions/${created.id}/stop`, { method: 'POST' }))).toEqual([]);
    const roster = await get('/api/rosters/7B', { method: 'PUT', body: JSON.stringify({ text: 'P-1\tS One' }) });
    expect(roster).toHaveProperty('saved_at');
    expect(camelKeys(roster)).toEqual([]);
  });

  it('the OpenAPI document declares no camelCase response property', async () => {
    expect(responseProperties(await get('/api/docs'))).toEqual([]);
  });
});
