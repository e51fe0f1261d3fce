/** Small summary tables for terminals: numbers with thousands separators, laid out like `--format table`. */
import { tableLayout } from '../export/text.js';

export function formatTable(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = rows.map((r) => r.map((c) => (typeof c === 'number' ? c.toLocaleString('en-US') : c)));
  const { head, line } = tableLayout(header, cells, header.map((_, k) => rows.every((r) => typeof r[k] === 'number')));
  return head + cells.map(line).join('');
}
