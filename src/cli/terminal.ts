/** Colors only for a terminal, and never with NO_COLOR set (https://no-color.org). */
export function colorsEnabled(isTTY: boolean | undefined, env: NodeJS.ProcessEnv): boolean {
  return isTTY === true && !env.NO_COLOR && env.TERM !== 'dumb';
}

export interface Style {
  readonly red: (s: string) => string;
  readonly yellow: (s: string) => string;
  readonly green: (s: string) => string;
  readonly bold: (s: string) => string;
  readonly dim: (s: string) => string;
}

const sgr = (open: number, close: number) => (s: string) => `\u001b[${open}m${s}\u001b[${close}m`;
const plain = (s: string) => s;

export function style(enabled: boolean): Style {
  return enabled
    ? { red: sgr(31, 39), yellow: sgr(33, 39), green: sgr(32, 39), bold: sgr(1, 22), dim: sgr(2, 22) }
    : { red: plain, yellow: plain, green: plain, bold: plain, dim: plain };
}

/**
 * A plain-text table: columns padded to their widest cell (measured before coloring), a dashed
 * rule under the header. `paint` colors a cell after padding, so colors never shift columns.
 */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[], paint?: (row: number, column: number, cell: string) => string): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[], row: number) =>
    cells
      .map((cell, i) => {
        const padded = i === cells.length - 1 ? cell : cell.padEnd(widths[i]);
        return row >= 0 && paint ? paint(row, i, padded) : padded;
      })
      .join('  ')
      .trimEnd();
  return [line(header, -1), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map((r, i) => line(r, i))].join('\n') + '\n';
}
