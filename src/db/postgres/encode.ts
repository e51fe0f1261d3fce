/**
 * COPY's text format, written by hand because it is four rules (PostgreSQL docs, "COPY: Text Format"):
 * columns separated by tabs, rows by newlines, NULL as \N, and backslash, tab, newline and carriage return
 * escaped with a backslash. bytea goes as its hex form (\x…, the backslash itself escaped). Numbers are
 * written as JavaScript's shortest round-trip form, which PostgreSQL's float8 input reads back to the same
 * double (and -0 as -0, which String() would print as 0).
 */
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

export function copyField(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return value.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c] as string);
  if (value instanceof Uint8Array) return `\\\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
  throw new TypeError(`cannot COPY a ${typeof value}`);
}

export function copyRow(row: readonly unknown[]): string {
  let line = '';
  for (let i = 0; i < row.length; i++) line += (i === 0 ? '' : '\t') + copyField(row[i]);
  return `${line}\n`;
}

/** `?` placeholders (outside quotes) as PostgreSQL's $1, $2 … */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|\?/g, (m) => (m === '?' ? `$${++n}` : m));
}
