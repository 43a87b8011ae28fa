import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ROLES } from '../auth.js';
import { apiErrors } from '../errors.js';
import type { Template } from '../../templates/index.js';

export interface TemplateSource {
  get(id: string): Template | undefined;
  list(): Template[];
}

const params = z.object({ id: z.string().min(1).max(128) });
const config = { roles: ROLES.all };

/** `GET /api/templates`, `GET /api/templates/:id` per docs/interfaces.md. */
export const templatesRoutes: FastifyPluginAsyncZod<{ templates: TemplateSource }> = async (app, opts) => {
  app.get('/api/templates', { config, schema: { tags: ['templates'] } }, async () => opts.templates.list().map((t) => ({
    id: t.id, name: t.name, zh: t.zh, category: t.category, transport: t.transport,
    fields: t.fields.map((f) => ({ name: f.name, zh: f.zh, unit: f.unit ?? null, role: f.role, privacy: f.privacy ?? null, alarm: f.alarm ?? null })),
  })));

  app.get('/api/templates/:id', { config, schema: { tags: ['templates'], params } }, async (req) => {
    const t = opts.templates.get(req.params.id);
    if (!t) throw apiErrors.templateNotFound(req.params.id);
    return t;
  });
};

/** True when a template carries personal data (a field marked `id` or `health`). */
export function isPersonalTemplate(t: Pick<Template, 'fields'> | undefined): boolean {
  return t?.fields.some((f) => f.privacy !== undefined) ?? false;
}
