import { z } from 'zod';

/** A query time: ISO 8601 with offset, or epoch milliseconds; parsed to epoch ms. */
export const apiTime = z.union([z.iso.datetime({ offset: true }), z.string().regex(/^\d+$/, 'epoch milliseconds')])
  .transform((v) => (/^\d+$/.test(v) ? Number(v) : Date.parse(v)));
