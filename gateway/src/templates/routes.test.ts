import Fastify from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTemplateRegistry } from './registry.js';
import { templatesRoutes, type TemplateSummary } from './routes.js';

const registry = createTemplateRegistry({}, { log: pino({ level: 'silent' }) });
const app = Fastify();

beforeAll(async () => {
  await registry.start();
  await app.register(templatesRoutes, { registry });
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await registry.stop();
});

describe('templates routes', () => {
  it('GET /api/templates lists every template with id, name, category, transport and field count', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/templates' });
    expect(res.statusCode).toBe(200);
    const list = res.json<TemplateSummary[]>();
    expect(list).toHaveLength(registry.list().length);
    expect(list.find((t) => t.id === 'energy-meter-3p')).toEqual({ id: 'energy-meter-3p', name: 'Three-phase energy meter', category: 'energy', transport: 'modbus', fields: 9 });
  });

  it('GET /api/templates/:id returns the full template', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/templates/door-access' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(JSON.parse(JSON.stringify(registry.get('door-access'))));
    expect(res.json()).toMatchObject({ transport: 'mqtt', fields: [{ name: 'door', alarm: ['forced'] }, { name: 'card', privacy: 'id' }, { name: 'granted' }] });
  });

  it('GET /api/templates/:id answers 404 with GW_ERR_TEMPLATE_NOT_FOUND for an unknown id', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/templates/toaster' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'GW_ERR_TEMPLATE_NOT_FOUND', message: 'no template "toaster"' } });
  });
});
