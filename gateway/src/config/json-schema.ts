/**
 * The gateway's and the hub's config schemas as JSON Schema (zod 4's z.toJSONSchema, as
 * templates/json-schema.ts does for device templates), committed as gateway/config.schema.json
 * and gateway/hub-config.schema.json so editors check and complete site configs: the example
 * configs start with `# yaml-language-server: $schema=<relative path>`. `.describe()` texts
 * become `description`s. Draft 7, which every YAML editor plugin reads. Regenerate with
 * `npm run gen` (config/generate.ts).
 */
import { z } from 'zod';
import { hubConfigSchema } from '../hub/config.js';
import { configSchema } from './schema.js';

export type JsonSchema = { [key: string]: unknown };

/** Drops what only adds noise: the safe-integer bounds zod gives every `.int()`. */
function tidy(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(tidy);
  if (node === null || typeof node !== 'object') return node;
  const out: JsonSchema = {};
  for (const [k, v] of Object.entries(node)) {
    if ((k === 'maximum' && v === Number.MAX_SAFE_INTEGER) || (k === 'minimum' && v === Number.MIN_SAFE_INTEGER)) continue;
    out[k] = tidy(v);
  }
  return out;
}

function toJsonSchema(schema: z.ZodType, id: string, title: string): JsonSchema {
  const doc = tidy(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-7' })) as JsonSchema;
  return { ...doc, $id: `https://campus-gateway.dev/schemas/${id}`, title };
}

export function gatewayConfigJsonSchema(): JsonSchema {
  return toJsonSchema(configSchema, 'gateway-config.json', 'campus-gateway site config (campus-gateway start --config FILE)');
}

export function hubConfigJsonSchema(): JsonSchema {
  const doc = toJsonSchema(hubConfigSchema, 'hub-config.json', 'campus-gateway hub config (campus-gateway hub --config FILE)');
  // The default client id is made from the host name at run time; the schema must not carry this machine's.
  const clientId = ((doc.properties as Record<string, JsonSchema>).broker!.properties as Record<string, JsonSchema>).clientId!;
  delete clientId.default;
  return doc;
}

export const jsonText = (doc: JsonSchema): string => `${JSON.stringify(doc, null, 2)}\n`;
