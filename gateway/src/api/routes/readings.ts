import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { TemplateLike } from '../../privacy/template-like.js';
import type { ReadingStore } from '../../store/types.js';
import { ROLES } from '../auth.js';
import { apiErrors } from '../errors.js';
import { apiTime } from './time.js';

const DURATION = /^(\d+)(ms|s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `every=` (e.g. `10s`, `5m`, `1h`) into milliseconds. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text);
  if (!m) return undefined;
  const ms = Number(m[1]) * (UNIT_MS[m[2]!] ?? 0);
  return ms > 0 ? ms : undefined;
}

const query = z.object({
  device: z.string().min(1),
  field: z.string().regex(/^[a-z][a-z0-9_]*$/, 'a snake_case field name'),
  from: apiTime.optional(),
  to: apiTime.optional(),
  every: z.string().refine((v) => parseDuration(v) !== undefined, 'a duration such as 10s, 5m, 1h').optional(),
  agg: z.enum(['mean', 'minmax']).optional()
    .describe('with `every`: `mean` (default) per bucket, or `minmax` for the mean plus each bucket\'s `min` and `max` (numeric fields)'),
}).refine((q) => q.agg === undefined || q.every !== undefined, { message: 'agg needs every (the bucket width)', path: ['agg'] });

export interface ReadingsRoutesOptions {
  store: ReadingStore;
  /** The loaded templates, whose privacy classes decide what is personal. Absent: only an admin reads a series. */
  templates?: { get(id: string): TemplateLike | undefined; list(): readonly TemplateLike[] };
  /** The registry's template of a device still registered (the stored series decide as well). */
  registeredTemplate?(device: string): string | undefined;
}

const isPersonal = (t: TemplateLike) => t.fields.some((f) => f.privacy !== undefined);

/**
 * `GET /api/readings?device=&field=&from=&to=&every=&agg=` per docs/interfaces.md (`agg=minmax`: min and max per bucket). For every caller but an
 * authenticated admin, a series is refused when the field is personal in any loaded template,
 * or when the device's stored series (and its registry entry, if any) belong to a personal
 * template or to one the gateway does not know. Privacy follows the data, not the registry:
 * a wristband deleted by an admin keeps its heart rates in the store.
 */
export const readingsRoutes: FastifyPluginAsyncZod<ReadingsRoutesOptions> = async (app, opts) => {
  async function personal(device: string, field: string, from: number, to: number): Promise<boolean> {
    const templates = opts.templates;
    if (!templates) return true;
    if (templates.list().some((t) => t.fields.some((f) => f.name === field && f.privacy !== undefined))) return true;
    const series = new Set(await opts.store.seriesTemplates?.(device, from, to) ?? []);
    const registered = opts.registeredTemplate?.(device);
    if (registered !== undefined) series.add(registered);
    for (const id of series) {
      const t = templates.get(id);
      if (!t || isPersonal(t)) return true;
    }
    return false;
  }

  app.get('/api/readings', { config: { roles: ROLES.readings }, schema: { tags: ['devices'], querystring: query } }, async (req) => {
    if (!opts.store.query) throw apiErrors.queryUnsupported();
    const to = req.query.to ?? Date.now();
    const from = req.query.from ?? to - 3_600_000;
    const admin = req.principal.role === 'admin' && req.principal.authenticated;
    if (!admin && await personal(req.query.device, req.query.field, from, to)) throw apiErrors.personalData();
    const everyMs = req.query.every ? parseDuration(req.query.every) : undefined;
    const spread = req.query.agg === 'minmax';
    const points = await opts.store.query({ device: req.query.device, field: req.query.field, from, to, ...(everyMs ? { everyMs } : {}), ...(spread && { spread }) });
    return {
      device: req.query.device, field: req.query.field, from: new Date(from).toISOString(), to: new Date(to).toISOString(),
      every: req.query.every ?? null, agg: req.query.every ? req.query.agg ?? 'mean' : null,
      points: points.map((p) => ({ ts: new Date(p.ts).toISOString(), value: p.value, ...(p.min !== undefined && p.max !== undefined && { min: p.min, max: p.max }) })),
    };
  });
};
