/**
 * `pannuke copy`: every data table from one store to another (SQLite → PostgreSQL to publish a local
 * database on a shared server, and back), in batches that each commit whole, parents before children.
 *
 * Resumable: the destination records where its rows came from (metadata `copy_source`, `copy_state`
 * 'partial'), and each table continues after the last key the destination has; a batch ends on a key
 * boundary, so a killed copy leaves whole batches and the next run picks up after them. Checked: at the
 * end every table is read in full key order on both sides and its rows compared by a SHA-256 of their
 * values (integers exactly, floats by their 64 bits, blobs byte for byte); only then is the copy
 * 'complete'.
 */
import { createHash, type Hash } from 'node:crypto';
import { PannukeError } from '../errors.js';
import type { Store } from '../db/store.js';
import { COPY_TABLES, type ColumnKind, type CopyTable } from './tables.js';

export interface CopyOptions {
  /** Rows per batch (one transaction in the destination). */
  batchRows?: number;
  onProgress?: (rowsDone: number, rowsTotal: number) => void;
  /** Called between batches: lets Ctrl-C in. */
  pause?: () => Promise<void> | undefined;
}

export interface TableCopy {
  table: string;
  rows: number;
  /** Rows this run copied (less than `rows` when resuming). */
  copied: number;
}

export interface CopyReport {
  tables: TableCopy[];
  resumed: boolean;
  alreadyComplete: boolean;
}

const q = (name: string) => `"${name}"`;
const list = (cols: readonly string[]) => cols.map(q).join(', ');
const rowValue = (cols: readonly string[]) => `(${list(cols)})`;
const marks = (n: number) => `(${Array.from({ length: n }, () => '?').join(', ')})`;
const orderBy = (cols: readonly string[]) => cols.map((c) => `${q(c)} ASC NULLS FIRST`).join(', ');

/** The key of the row `offset` rows after `after` (or the first row), in key order; undefined past the end. */
async function keyAt(store: Store, t: CopyTable, after: unknown[] | undefined, offset: number): Promise<unknown[] | undefined> {
  const where = after === undefined ? '' : `WHERE ${rowValue(t.key)} > ${marks(t.key.length)}`;
  const r = await store.all(`SELECT ${list(t.key)} FROM ${q(t.name)} ${where} ORDER BY ${orderBy(t.key)} LIMIT 1 OFFSET ${offset}`, after ?? []);
  return r.rows[0];
}

/** Rows with key in (after, upTo] (upTo undefined: to the end), in the table's total order. */
async function rowsBetween(store: Store, t: CopyTable, columns: readonly string[], after: unknown[] | undefined, upTo: unknown[] | undefined): Promise<unknown[][]> {
  const conditions: string[] = [];
  const params: unknown[] = [];
  if (after !== undefined) {
    conditions.push(`${rowValue(t.key)} > ${marks(t.key.length)}`);
    params.push(...after);
  }
  if (upTo !== undefined) {
    conditions.push(`${rowValue(t.key)} <= ${marks(t.key.length)}`);
    params.push(...upTo);
  }
  const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
  return (await store.all(`SELECT ${list(columns)} FROM ${q(t.name)} ${where} ORDER BY ${orderBy(t.order)}`, params)).rows;
}

/** Batches of whole key groups, in key order, after `after`. */
async function* batches(store: Store, t: CopyTable, columns: readonly string[], after: unknown[] | undefined, size: number): AsyncGenerator<unknown[][]> {
  let from = after;
  for (;;) {
    const upTo = await keyAt(store, t, from, size - 1);
    const rows = await rowsBetween(store, t, columns, from, upTo);
    if (rows.length === 0) return;
    yield rows;
    if (upTo === undefined) return;
    from = upTo;
  }
}

async function count(store: Store, table: string): Promise<number> {
  return Number((await store.all(`SELECT count(*) FROM ${q(table)}`)).rows[0]?.[0] ?? 0);
}

async function readMetadata(store: Store, key: string): Promise<string | undefined> {
  return (await store.all('SELECT value FROM metadata WHERE key = ?', [key])).rows[0]?.[0] as string | undefined;
}

async function writeMetadata(store: Store, key: string, value: string): Promise<void> {
  await store.run('DELETE FROM metadata WHERE key = ?', [key]);
  await store.append('metadata', ['key', 'value'], [[key, value]]);
}

/** Rows read at a time for the final check (smaller than a copy batch: nothing waits on them). */
const DIGEST_BATCH_ROWS = 1_000;

/** A double's 8 bytes, big-endian: one buffer reused for every value (hash.update copies what it is given). */
const realBytes = Buffer.alloc(8);

/**
 * Feeds one value to the hash as bytes that two stores agree on exactly when the values are equal (blobs as
 * their own bytes, length first: no hex string per outline, whose garbage kept the digest's peak memory high).
 */
function hashValue(hash: Hash, kind: ColumnKind, v: unknown): void {
  if (v === null || v === undefined) {
    hash.update('N\u0001');
    return;
  }
  switch (kind) {
    case 'integer':
      hash.update(`i${BigInt(v as number | bigint).toString()}\u0001`);
      return;
    case 'real':
      realBytes.writeDoubleBE(Number(v));
      hash.update('f');
      hash.update(realBytes);
      hash.update('\u0001');
      return;
    case 'text':
      hash.update(`s${JSON.stringify(v)}\u0001`);
      return;
    case 'blob': {
      const bytes = v as Uint8Array;
      hash.update(`b${bytes.byteLength}:`);
      hash.update(bytes);
      hash.update('\u0001');
      return;
    }
  }
}

/** SHA-256 of a table's rows in total order, and their count. */
export async function tableDigest(store: Store, t: CopyTable, size = DIGEST_BATCH_ROWS): Promise<{ rows: number; sha256: string }> {
  const hash = createHash('sha256');
  const kinds = t.order.map((c) => t.kinds[t.columns.indexOf(c)] as ColumnKind);
  let rows = 0;
  for await (const batch of batches(store, t, t.order, undefined, size)) {
    for (const row of batch) {
      row.forEach((v, i) => hashValue(hash, kinds[i] as ColumnKind, v));
      hash.update('\n');
    }
    rows += batch.length;
  }
  return { rows, sha256: hash.digest('hex') };
}

export async function copyStore(from: Store, to: Store, options: CopyOptions = {}): Promise<CopyReport> {
  const size = options.batchRows ?? 5_000;
  const totals = new Map<string, number>();
  for (const t of COPY_TABLES) totals.set(t.name, await count(from, t.name));
  const rowsTotal = [...totals.values()].reduce((a, b) => a + b, 0);

  const source = await readMetadata(to, 'copy_source');
  const state = await readMetadata(to, 'copy_state');
  let held = 0;
  for (const t of COPY_TABLES) if (t.name !== 'classes') held += await count(to, t.name);
  if (held > 0 && source !== from.identity) {
    throw new PannukeError('DB_SCHEMA', `the destination already holds data (${held} rows)${source === undefined ? '' : ` copied from ${source}`}`, {
      file: to.label, hint: 'copy into a new, empty database, or resume a copy from the same --from',
    });
  }
  const report: CopyReport = { tables: [], resumed: held > 0, alreadyComplete: state === 'complete' && source === from.identity };
  await to.transaction(async () => {
    await writeMetadata(to, 'copy_source', from.identity);
    await writeMetadata(to, 'copy_state', report.alreadyComplete ? 'complete' : 'partial');
  });

  let done = 0;
  for (const t of COPY_TABLES) {
    const total = totals.get(t.name) as number;
    // Resume after the destination's last key (every batch committed whole, ending on a key boundary).
    const last = (await to.all(`SELECT ${list(t.key)} FROM ${q(t.name)} ORDER BY ${t.key.map((c) => `${q(c)} DESC`).join(', ')} LIMIT 1`)).rows[0];
    let copied = 0;
    done += last === undefined ? 0 : await count(to, t.name);
    for await (const batch of batches(from, t, t.columns, last, size)) {
      await to.transaction(() => to.append(t.name, t.columns, batch));
      copied += batch.length;
      done += batch.length;
      options.onProgress?.(Math.min(done, rowsTotal), rowsTotal);
      await options.pause?.();
    }
    report.tables.push({ table: t.name, rows: total, copied });
  }
  await to.finishLoad();

  for (const t of COPY_TABLES) {
    const [a, b] = [await tableDigest(from, t), await tableDigest(to, t)];
    if (a.rows !== b.rows || a.sha256 !== b.sha256) {
      throw new PannukeError('VERIFY_FAILED', `table ${t.name} differs after the copy: ${a.rows} rows in the source, ${b.rows} in the destination${a.rows === b.rows ? ' (same count, other values)' : ''}`, {
        file: to.label, hint: 'the source changed during the copy, or the destination was written by something else: copy again into a new, empty database',
      });
    }
  }
  await to.transaction(() => writeMetadata(to, 'copy_state', 'complete'));
  return report;
}
