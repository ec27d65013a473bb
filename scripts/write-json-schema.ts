// Regenerates the committed JSON Schema of the config: `npm run schema`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { JSON_SCHEMA_PATH, renderJsonSchema } from '../src/config/json-schema';

const target = join(__dirname, '..', JSON_SCHEMA_PATH);
mkdirSync(dirname(target), { recursive: true });
writeFileSync(target, renderJsonSchema());
console.log(`wrote ${JSON_SCHEMA_PATH}`);
