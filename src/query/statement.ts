/** What the two ways of running a user's query (SQLite in a process of its own, PostgreSQL on the server) check alike. */
import { PannukeError } from '../errors.js';

/** The first keyword, past comments and white space. */
export function firstKeyword(sql: string): string {
  const stripped = sql.replace(/^(\s+|--[^\n]*(\n|$)|\/\*[\s\S]*?\*\/)*/, '');
  return (/^[A-Za-z]+/.exec(stripped)?.[0] ?? '').toUpperCase();
}

const valueBytes = (v: unknown) => (typeof v === 'string' ? v.length : v instanceof Uint8Array ? v.byteLength : 0);

/** The refusal of a row holding a single value (text or blob) larger than `cap` bytes, or undefined. */
export function oversizedValue(row: readonly unknown[], columns: readonly (string | undefined)[], cap: number, rowNumber: number, file: string): PannukeError | undefined {
  const big = row.findIndex((v) => valueBytes(v) > cap);
  if (big < 0) return undefined;
  return new PannukeError('QUERY', `row ${rowNumber}, column ${columns[big]}: a value of ${valueBytes(row[big])} bytes, more than the ${cap}-byte cap`, {
    file, hint: 'select less of it (substr(), length()) or raise --max-value-mb',
  });
}
