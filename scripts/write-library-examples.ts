// Writes the ```ts blocks of docs/library.md into test/library-examples/, where `tsc --noEmit` type-checks them.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXAMPLES_FOLDER, libraryExamples } from './library-examples';

const root = join(__dirname, '..');
mkdirSync(join(root, EXAMPLES_FOLDER), { recursive: true });
for (const name of readdirSync(join(root, EXAMPLES_FOLDER))) rmSync(join(root, EXAMPLES_FOLDER, name));
for (const example of libraryExamples()) writeFileSync(join(root, example.path), example.content);
