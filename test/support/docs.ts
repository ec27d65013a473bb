import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { root } from './cli';

/** The user documentation: README.md and every page under docs/, as paths relative to the repository. */
export function documentationFiles(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true })
      .sort((a, b) => a.name.localeCompare(b.name))
      .flatMap((entry) => (entry.isDirectory() ? walk(join(dir, entry.name)) : entry.name.endsWith('.md') ? [join(dir, entry.name)] : []));
  return ['README.md', ...walk(join(root, 'docs')).map((file) => relative(root, file))];
}

/** One page of the documentation, by its path in the repository (`docs/delivery/sealed.md`). */
export function readDoc(path: string): string {
  return readFileSync(join(root, path), 'utf8');
}

/** Every page of the documentation, joined: for what no page may say. */
export function allDocumentation(): string {
  return documentationFiles().map(readDoc).join('\n');
}
