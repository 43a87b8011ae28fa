import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
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
});

export interface ReadingsRoutesOptions {
  store: ReadingStore;
  /** True when the device's template carries personal data: only an authenticated admin may read its raw series. */
  isPersonalDevice?(id: string): boolean;
}

/** `GET /api/readings?device=&field=&from=&to=&every=` per contract.md. */
export const readingsRoutes: FastifyPluginAsyncZod<ReadingsRoutesOptions> = async (app, opts) => {
  app.get('/api/readings', { config: { roles: ROLES.devices }, schema: { tags: ['devices'], querystring: query } }, async (req) => {
    if (!(req.principal.role === 'admin' && req.principal.authenticated) && opts.isPersonalDevice?.(req.query.device)) throw apiErrors.personalData(req.query.device);
    if (!opts.store.query) throw apiErrors.queryUnsupported();
    const to = req.query.to ?? Date.now();
    const from = req.query.from ?? to - 3_600_000;
    const everyMs = req.query.every ? parseDuration(req.query.every) : undefined;
    const points = await opts.store.query({ device: req.query.device, field: req.query.field, from, to, ...(everyMs ? { everyMs } : {}) });
    return {
      device: req.query.device, field: req.query.field, from: new Date(from).toISOString(), to: new Date(to).toISOString(),
      every: req.query.every ?? null, points: points.map((p) => ({ ts: new Date(p.ts).toISOString(), value: p.value })),
    };
  });
};
