import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ROLES } from '../auth.js';
import { apiTime } from './time.js';

export const SUMMARY_KINDS = ['energy', 'lighting', 'usage', 'environment', 'device-health', 'pe-activity', 'writing-activity'] as const;

/** One summary message as the summaries engine produces it (docs/interfaces.md "Uplink"). */
export interface SummaryRecord {
  id?: string;
  site: string;
  kind: string;
  windowStart: string;
  windowEnd: string;
  [value: string]: unknown;
}

/** Provided by the summaries engine (gateway/src/summaries) or the hub's store. */
export interface SummarySource {
  query(q: { kind?: string; from: number; to: number }): Promise<SummaryRecord[]>;
}

const query = z.object({
  kind: z.enum(SUMMARY_KINDS).optional(),
  from: apiTime.optional(),
  to: apiTime.optional(),
});

/**
 * `GET /api/summaries?kind=&from=&to=` per docs/interfaces.md; an empty list until a summary source is wired.
 * `hub_url`: the district hub's page (`uplink.hubUrl`), which the district view links to; null when not configured.
 */
export const summariesRoutes: FastifyPluginAsyncZod<{ summaries?: SummarySource; hubUrl?: string }> = async (app, opts) => {
  app.get('/api/summaries', { config: { roles: ROLES.summaries }, schema: { tags: ['summaries'], querystring: query } }, async (req) => {
    const to = req.query.to ?? Date.now();
    const from = req.query.from ?? to - 7 * 86_400_000;
    const items = opts.summaries ? await opts.summaries.query({ ...(req.query.kind ? { kind: req.query.kind } : {}), from, to }) : [];
    return { kind: req.query.kind ?? null, from: new Date(from).toISOString(), to: new Date(to).toISOString(), available: opts.summaries !== undefined, hub_url: opts.hubUrl ?? null, items };
  });
};
