/** Small summary tables for terminals: numbers with thousands separators, laid out like `--format table`. */
import { tableLayout, terminalSafe } from '../export/text.js';

export { terminalSafe };

/**
 * 1234567 → "1,234,567", as toLocaleString('en-US') writes it. Integers are grouped by hand: the first
 * toLocaleString call loads ICU's locale data, ~13 ms of every command's start-up.
 */
export function formatNumber(n: number): string {
  if (!Number.isSafeInteger(n)) return n.toLocaleString('en-US');
  const digits = String(Math.abs(n));
  let out = digits.slice(0, ((digits.length - 1) % 3) + 1);
  for (let i = out.length; i < digits.length; i += 3) out += `,${digits.slice(i, i + 3)}`;
  return n < 0 ? `-${out}` : out;
}

export function formatTable(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = rows.map((r) => r.map((c) => (typeof c === 'number' ? formatNumber(c) : terminalSafe(c))));
  // A column of numbers is right-aligned; blank cells do not make it text.
  const numeric = header.map((_, k) => rows.some((r) => typeof r[k] === 'number') && rows.every((r) => typeof r[k] === 'number' || r[k] === ''));
  const { head, line } = tableLayout(header, cells, numeric);
  return head + cells.map(line).join('');
}
