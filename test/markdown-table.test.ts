import fc from 'fast-check';
import { escapeCell, table, tableRow } from '../src/report/markdown-table';

describe('Markdown tables of the reports', () => {
  test('a row is its cells, each escaped, whatever pipes, line breaks and separators they hold', () => {
    const cell = fc.oneof(fc.string({ maxLength: 12 }), fc.array(fc.constantFrom('a', '|', ' | ', '\n', '\\', '`', ' '), { maxLength: 6 }).map((parts) => parts.join('')));
    fc.assert(
      fc.property(fc.array(cell, { maxLength: 9 }), (cells) => {
        expect(tableRow(cells)).toBe(`| ${cells.map(escapeCell).join(' | ')} |`);
      }),
      { numRuns: 5000 },
    );
  });

  test('a pipe is escaped and a line break becomes a space, so a cell cannot end its cell or its row', () => {
    expect(tableRow(['GPT | embeddings', 'two\nlines', 'plain'])).toBe('| GPT \\| embeddings | two lines | plain |');
    expect(tableRow(['a|', '|b'])).toBe('| a\\| | \\|b |');
    expect(table(['secret', 'purpose'], [['`A`', 'x | y']])).toBe('| secret | purpose |\n|---|---|\n| `A` | x \\| y |');
  });
});
