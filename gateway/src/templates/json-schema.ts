/**
 * The template schema as JSON Schema (zod 4's z.toJSONSchema), committed as
 * device-templates/template.schema.json so editors validate template files.
 * Regenerate: node --import tsx --conditions source gateway/src/templates/json-schema.ts
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { defaultTemplatesDir } from './load.js';
import { templateSchema } from './schema.js';

export function templateJsonSchema(): string {
  const schema = z.toJSONSchema(templateSchema, { io: 'input', unrepresentable: 'any' });
  const doc = { ...schema, $id: 'https://campus-gateway.dev/schemas/device-template.json', title: 'campus-gateway device template' };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

export function templateJsonSchemaPath(): string {
  return join(defaultTemplatesDir(), 'template.schema.json');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(templateJsonSchemaPath(), templateJsonSchema());
  console.log(`wrote ${templateJsonSchemaPath()}`);
}
