/**
 * What `pannuke copy` copies: every data table of the schema, parents before children (foreign keys), each
 * read in the order of a key so that a copy can resume after the last key it committed. Derived from the
 * SQLite schema, so a new table is copied without being listed here (a test checks every table is either
 * copied or named below as not data).
 */
import { is } from 'drizzle-orm';
import { getTableConfig, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { columnKind, type ColumnKind } from '../db/column-kind.js';
import * as schema from '../db/schema.js';

export type { ColumnKind };


export interface CopyTable {
  name: string;
  columns: string[];
  kinds: ColumnKind[];
  /**
   * Columns rows are read and resumed in order of. Unique for every table but eval_detections, whose rows
   * are copied a whole (set_id, image_id) group at a time.
   */
  key: string[];
  /** All columns, key first: the total order of rows for the content check. */
  order: string[];
}

/** Tables that describe the file rather than hold data: never copied (each store has its own). */
export const NOT_COPIED = new Set(['metadata', 'geometry_columns', 'spatial_ref_sys']);

/** Key for the one table with no unique key. */
const GROUP_KEYS: Record<string, string[]> = { eval_detections: ['set_id', 'image_id'] };

const tables = (Object.values(schema) as unknown[]).filter((v): v is SQLiteTable => is(v, SQLiteTable));

function describe(table: SQLiteTable): CopyTable & { parents: string[] } {
  const config = getTableConfig(table);
  const columns = config.columns.map((c) => c.name);
  const kinds = config.columns.map(columnKind);
  const primary = config.columns.filter((c) => c.primary).map((c) => c.name);
  const key = GROUP_KEYS[config.name] ?? (primary.length > 0 ? primary : config.primaryKeys[0]?.columns.map((c) => c.name) ?? []);
  if (key.length === 0) throw new Error(`table ${config.name} has no key to copy in order of`);
  const parents = config.foreignKeys.map((fk) => getTableConfig(fk.reference().foreignTable).name).filter((p) => p !== config.name);
  return { name: config.name, columns, kinds, key, order: [...key, ...columns.filter((c) => !key.includes(c))], parents };
}

/** The copied tables, each after the tables it references. */
export const COPY_TABLES: CopyTable[] = (() => {
  const all = tables.map(describe).filter((t) => !NOT_COPIED.has(t.name));
  const ordered: CopyTable[] = [];
  const done = new Set<string>();
  while (ordered.length < all.length) {
    const next = all.find((t) => !done.has(t.name) && t.parents.every((p) => done.has(p) || NOT_COPIED.has(p)));
    if (next === undefined) throw new Error('foreign keys form a cycle');
    const { parents: _parents, ...table } = next;
    ordered.push(table);
    done.add(next.name);
  }
  return ordered;
})();

export const ALL_TABLE_NAMES: string[] = tables.map((t) => getTableConfig(t).name);
