/**
 * The PostgreSQL schema, derived from the SQLite one (src/db/schema.ts stays the only place columns are
 * written): every table, key, index, foreign key and view, with SQLite's types mapped to PostgreSQL's.
 * drizzle-kit generates migrations/postgres/ from this file (`npm run db:generate`).
 *
 * Mapping: INTEGER → bigint (SQLite's integers are 64-bit), REAL → double precision (PostgreSQL's `real` is
 * 32-bit), TEXT → text, BLOB → bytea; a one-column integer primary key `id` is an identity column, as
 * SQLite's rowid is assigned when none is given. The OGC tables `geometry_columns` and `spatial_ref_sys` are
 * SQLite-only: PostGIS has its own, and the `geom` column it serves is added where the extension is present
 * (see ./postgis.ts), not here.
 */
import { sql, type SQL } from 'drizzle-orm';
import {
  bigint, customType, doublePrecision, foreignKey, index, pgTable, pgView, primaryKey, text, uniqueIndex,
  type PgColumnBuilderBase, type PgTableWithColumns,
} from 'drizzle-orm/pg-core';
import { getTableConfig, getViewConfig, SQLiteSyncDialect, type SQLiteTable, type SQLiteView } from 'drizzle-orm/sqlite-core';
import { columnKind } from '../column-kind.js';
import * as sqlite from '../schema.js';

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

/** SQLite-only tables (OGC metadata for GDAL's SQLite driver). */
export const SQLITE_ONLY_TABLES = new Set(['geometry_columns', 'spatial_ref_sys']);

type AnyPgTable = PgTableWithColumns<any>;
const derived = new Map<string, AnyPgTable>();

function pgColumn(column: ReturnType<typeof getTableConfig>['columns'][number], identity: boolean): PgColumnBuilderBase {
  let builder;
  switch (columnKind(column)) {
    case 'integer':
      builder = bigint(column.name, { mode: 'number' });
      if (identity) builder = builder.generatedByDefaultAsIdentity();
      break;
    case 'real':
      builder = doublePrecision(column.name);
      break;
    case 'text':
      builder = text(column.name);
      break;
    case 'blob':
      builder = bytea(column.name);
      break;
    default:
      throw new Error(`no PostgreSQL type for SQLite column ${column.name}`);
  }
  if (column.primary) builder = builder.primaryKey();
  if (column.notNull && !column.primary) builder = builder.notNull();
  if (column.isUnique) builder = builder.unique();
  if (column.default !== undefined) builder = builder.default(column.default as never);
  return builder;
}

/** The PostgreSQL table with the same name, columns, keys and indexes as a SQLite table of the schema. */
function derive(table: SQLiteTable): AnyPgTable {
  const config = getTableConfig(table);
  const cached = derived.get(config.name);
  if (cached !== undefined) return cached;
  const columns: Record<string, PgColumnBuilderBase> = {};
  const keyOf = new Map<string, string>();
  for (const [key, column] of Object.entries(table as unknown as Record<string, unknown>)) {
    if (config.columns.includes(column as never)) keyOf.set((column as { name: string }).name, key);
  }
  for (const column of config.columns) {
    const identity = column.primary && column.name === 'id' && columnKind(column) === 'integer';
    columns[keyOf.get(column.name) ?? column.name] = pgColumn(column, identity);
  }
  const result = pgTable(config.name, columns, (t) => {
    const col = (name: string) => (t as Record<string, never>)[keyOf.get(name) ?? name];
    return [
      ...config.primaryKeys.map((pk) => primaryKey({ columns: pk.columns.map((c) => col(c.name)) as never })),
      ...config.indexes.map((ix) => {
        const cols = ix.config.columns.map((c) => col((c as { name: string }).name));
        return (ix.config.unique ? uniqueIndex(ix.config.name) : index(ix.config.name)).on(...(cols as [never]));
      }),
      ...config.foreignKeys.map((fk) => {
        const ref = fk.reference();
        const target = derive(ref.foreignTable);
        const targetConfig = getTableConfig(ref.foreignTable);
        const targetKey = (name: string) => {
          for (const [key, column] of Object.entries(ref.foreignTable as unknown as Record<string, unknown>)) {
            if (targetConfig.columns.includes(column as never) && (column as { name: string }).name === name) return (target as unknown as Record<string, never>)[key];
          }
          throw new Error(`no column ${name} in ${targetConfig.name}`);
        };
        const built = foreignKey({
          columns: ref.columns.map((c) => col(c.name)) as never,
          foreignColumns: ref.foreignColumns.map((c) => targetKey(c.name)) as never,
          name: fk.getName(),
        });
        return fk.onDelete !== undefined ? built.onDelete(fk.onDelete) : built;
      }),
    ];
  });
  derived.set(config.name, result);
  return result;
}

const sqliteDialect = new SQLiteSyncDialect();

/**
 * A view's SELECT as text. The schema's views are written in SQL that PostgreSQL and SQLite read alike
 * (GROUP BY every selected column, casts to DOUBLE PRECISION before dividing), so the text is shared.
 */
export function viewSql(view: SQLiteView): string {
  const query = getViewConfig(view).query as SQL;
  const rendered = sqliteDialect.sqlToQuery(query);
  if (rendered.params.length > 0) throw new Error(`view ${getViewConfig(view).name} has parameters`);
  return rendered.sql;
}

function deriveView(view: SQLiteView) {
  // The columns are the SELECT's; drizzle-kit writes `CREATE VIEW … AS <text>`.
  return pgView(getViewConfig(view).name, {}).as(sql.raw(viewSql(view)));
}

export const classes = derive(sqlite.classes);
export const tissues = derive(sqlite.tissues);
export const images = derive(sqlite.images);
export const nuclei = derive(sqlite.nuclei);
export const areaHistogram = derive(sqlite.areaHistogram);
export const sources = derive(sqlite.sources);
export const ingestRuns = derive(sqlite.ingestRuns);
export const metadata = derive(sqlite.metadata);
export const subsets = derive(sqlite.subsets);
export const subsetMembers = derive(sqlite.subsetMembers);
export const predictionSets = derive(sqlite.predictionSets);
export const predictedNuclei = derive(sqlite.predictedNuclei);
export const evalCounts = derive(sqlite.evalCounts);
export const evalMatches = derive(sqlite.evalMatches);
export const evalDetections = derive(sqlite.evalDetections);

export const nucleusFacts = deriveView(sqlite.nucleusFacts);
export const classDistribution = deriveView(sqlite.classDistribution);
export const imageSummary = deriveView(sqlite.imageSummary);
export const qcSummary = deriveView(sqlite.qcSummary);
export const evalPq = deriveView(sqlite.evalPq);
export const evalImageSummary = deriveView(sqlite.evalImageSummary);
