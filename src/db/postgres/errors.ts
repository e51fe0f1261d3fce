/**
 * What the PostgreSQL backend says without loading it: the one-line error for what the server or the
 * connection said. Apart from store.ts so that a command on SQLite never loads node-postgres (its start-up
 * costs every command ~30 ms: it probes for the Cloudflare runtime at load, which loads Node's fetch).
 */
import { PannukeError } from '../../errors.js';

/** A one-line error for what the server or the connection said. */
export function postgresError(cause: unknown, label: string, doing: string): PannukeError {
  if (cause instanceof PannukeError) return cause;
  // drizzle wraps the server's error (with the whole statement in its message): report the server's.
  const inner = (cause as { cause?: { code?: string } }).cause;
  const e = (typeof inner?.code === 'string' ? inner : cause) as { code?: string; message?: string };
  const code = e.code ?? '';
  if (code === '57014') return new PannukeError('QUERY', `${doing}: stopped by the statement timeout or a cancel`, { file: label, cause, hint: 'raise --timeout or narrow the query' });
  if (code === '25006') return new PannukeError('QUERY', `${doing}: refused, the transaction is READ ONLY (${e.message})`, { file: label, cause });
  if (code.startsWith('08') || ['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH'].includes(code)) {
    return new PannukeError('DB_OPEN', `cannot reach the PostgreSQL server: ${e.message ?? code}`, { file: label, cause, hint: 'is the server running, and the host and port right?' });
  }
  if (/client password must be a string/.test(e.message ?? '')) {
    return new PannukeError('DB_OPEN', 'the PostgreSQL server asks for a password and none was given', { file: label, cause, hint: 'put it in the URL (postgres://user:password@host/db), or set PGPASSWORD, or use ~/.pgpass' });
  }
  if (code === '28P01' || code === '28000') return new PannukeError('DB_OPEN', `PostgreSQL refused the login: ${e.message}`, { file: label, cause, hint: 'check the user and password in the URL' });
  if (code === '3D000') return new PannukeError('DB_OPEN', `${e.message}`, { file: label, cause, hint: 'create it first: createdb <name> (or CREATE DATABASE)' });
  if (code === '42501') return new PannukeError('DB_OPEN', `${doing}: permission denied (${e.message})`, { file: label, cause, hint: 'the URL\'s user needs the privilege, or use another schema (?schema=)' });
  return new PannukeError('DB_OPEN', `${doing}: PostgreSQL: ${e.message ?? String(cause)}`, { file: label, cause });
}
