/** What a schema column stores, whatever its declared SQLite type (INTEGER and BIGINT are both integers). */
import type { AnySQLiteColumn } from 'drizzle-orm/sqlite-core';

export type ColumnKind = 'integer' | 'real' | 'text' | 'blob';

export function columnKind(column: Pick<AnySQLiteColumn, 'getSQLType' | 'name'>): ColumnKind {
  const type = column.getSQLType().toLowerCase();
  if (type === 'integer' || type === 'bigint') return 'integer';
  if (type === 'real' || type === 'text' || type === 'blob') return type;
  throw new Error(`column ${column.name}: no kind for SQL type ${type}`);
}
