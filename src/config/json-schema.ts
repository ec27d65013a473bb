import { z } from 'zod';
import { configSchema } from './config-schema';

export const JSON_SCHEMA_PATH = 'schema/aragora-secrets.schema.json';

/**
 * The JSON Schema of `aragora-secrets.yaml`, for editors' YAML language servers
 * (`# yaml-language-server: $schema=...`). Generated from the zod schema; a test keeps the
 * committed file in sync.
 */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...schema, title: 'aragora-secrets configuration' };
}

export function renderJsonSchema(): string {
  return JSON.stringify(configJsonSchema(), null, 2) + '\n';
}
