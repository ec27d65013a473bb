// Regenerates the reference pages of docs/reference/: `npm run docs`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { referencePages } from './reference-docs';

for (const [path, content] of Object.entries(referencePages())) {
  const target = join(__dirname, '..', path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, content);
  console.log(`wrote ${path}`);
}
