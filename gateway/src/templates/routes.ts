/**
 * `GET /api/templates` (summary list) and `GET /api/templates/:id` (the full
 * template) per contract.md, as an encapsulated fastify plugin over a registry.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Template } from './schema.js';

export interface TemplatesRoutesOptions {
  /** Anything that serves templates by id: the TemplateRegistry in the gateway. */
  registry: { get(id: string): Template | undefined; list(): Template[] };
}

export interface TemplateSummary { id: string; name: string; category: string; transport: Template['transport']; fields: number }

export const TEMPLATE_NOT_FOUND = 'GW_ERR_TEMPLATE_NOT_FOUND';

export const templatesRoutes: FastifyPluginAsync<TemplatesRoutesOptions> = async (app, opts) => {
  app.get('/api/templates', async (): Promise<TemplateSummary[]> => opts.registry.list().map((t) => ({
    id: t.id, name: t.name, category: t.category, transport: t.transport, fields: t.fields.length,
  })));

  app.get<{ Params: { id: string } }>('/api/templates/:id', async (req, reply) => {
    const t = opts.registry.get(req.params.id);
    if (t === undefined) {
      return reply.code(404).send({ error: { code: TEMPLATE_NOT_FOUND, message: `no template "${req.params.id}"` } });
    }
    return t;
  });
};
