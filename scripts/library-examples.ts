import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..');

/** The page whose ```ts blocks are programs a user copies. */
export const LIBRARY_PAGE = 'docs/library.md';
/** Where the blocks are kept as files, so that `tsc --noEmit` (in `npm test`) type-checks them with the rest. */
export const EXAMPLES_FOLDER = 'test/library-examples';

/** The ```ts blocks of the page, in order. */
export function typescriptBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1]);
}

/**
 * Each block as a file of this repository: the package's imports point at the public index (src/index.ts),
 * which is what 'aragora-secrets' exports.
 */
export function libraryExamples(): { readonly path: string; readonly content: string }[] {
  return typescriptBlocks(readFileSync(join(root, LIBRARY_PAGE), 'utf8')).map((block, i) => ({
    path: `${EXAMPLES_FOLDER}/example-${i + 1}.ts`,
    content:
      `// Block ${i + 1} of ${LIBRARY_PAGE}, with 'aragora-secrets' read from src/index.ts. Written by\n` +
      '// `npx tsx scripts/write-library-examples.ts`; test/library-docs.test.ts fails when it differs from the page.\n' +
      block.replace(/from 'aragora-secrets'/g, "from '../../src'"),
  }));
}
