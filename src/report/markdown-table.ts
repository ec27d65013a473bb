/** A Markdown table cell: a pipe would end the cell and a line break the row. */
export function escapeCell(text: string): string {
  // Most cells hold neither: a test is cheaper than two replacements over thousands of rows.
  return /[|\n]/.test(text) ? text.replace(/\|/g, '\\|').replace(/\n/g, ' ') : text;
}

/** A Markdown table: the header, its rule and one line a row, every cell escaped. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const lines = [tableRow(header), `|${header.map(() => '---').join('|')}|`];
  for (const cells of rows) lines.push(tableRow(cells));
  return lines.join('\n');
}

/**
 * `| a | b |`, each cell escaped. A catalog's table has thousands of rows and few cells to escape: the joined
 * row is searched once (its separators hold one pipe fewer than there are cells) instead of every cell.
 */
export function tableRow(cells: readonly string[]): string {
  const joined = cells.join(' | ');
  let pipes = 0;
  for (let at = joined.indexOf('|'); at !== -1 && pipes < cells.length; at = joined.indexOf('|', at + 1)) pipes++;
  const plain = pipes === cells.length - 1 && !joined.includes('\n');
  return plain ? `| ${joined} |` : `| ${cells.map(escapeCell).join(' | ')} |`;
}
