// Renders rows as an aligned Markdown table, readable in a terminal and pasteable into docs.

export function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

export const int = (value: number): string => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : String(value));
export const fixed = (value: number, digits: number): string => (Number.isFinite(value) ? value.toFixed(digits) : String(value));
export const pct = (share: number): string => (Number.isFinite(share) ? `${Math.round(share * 100)}%` : 'n/a');
