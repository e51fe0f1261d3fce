/**
 * What a `--db` value names: a SQLite file (a path) or a PostgreSQL database
 * (`postgres://user:pass@host:port/dbname[?schema=name]`, `postgresql://` too). The schema defaults to
 * `public`; every table, view and lock of pannuke-db lives in it, so one server database can hold several.
 */
import * as z from '../zod.js';
import { PannukeError } from '../errors.js';

export type DbLocation =
  | { kind: 'sqlite'; file: string; label: string }
  | { kind: 'postgres'; connectionString: string; schema: string; label: string };

const SCHEMA_NAME = z.string().check(z.regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lower-case identifier: letters, digits and _ (at most 63)'));

export const isPostgresUrl = (value: string): boolean => /^postgres(ql)?:\/\//i.test(value);

export function parseDbLocation(value: string): DbLocation {
  if (!isPostgresUrl(value)) return { kind: 'sqlite', file: value, label: value };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new PannukeError('BAD_OPTION', '--db: not a valid PostgreSQL URL', { hint: 'postgres://user:password@host:5432/dbname[?schema=name]' });
  }
  const label = redact(url);
  const schemaParam = url.searchParams.get('schema') ?? 'public';
  const schema = SCHEMA_NAME.safeParse(schemaParam);
  if (!schema.success) throw new PannukeError('BAD_OPTION', `--db ${label}: schema '${schemaParam}' is not ${schema.error.issues[0]?.message}`);
  if (url.pathname.length <= 1) throw new PannukeError('BAD_OPTION', `--db ${label}: names no database`, { hint: 'postgres://user:password@host:5432/dbname' });
  // `schema` is ours, not libpq's: node-postgres must not see it.
  url.searchParams.delete('schema');
  return { kind: 'postgres', connectionString: url.toString(), schema: schema.data, label };
}

/** The URL as it may be printed: without its password. */
function redact(url: URL): string {
  const copy = new URL(url.toString());
  if (copy.password !== '') copy.password = '***';
  return copy.toString();
}
