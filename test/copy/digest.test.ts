// The check that ends every copy: each table's SHA-256 over its values in key order. Two databases with the
// same content must agree, and any one changed value (a byte of an outline, the low bits of a double, a text,
// a NULL) must change the digest, or a damaged copy would pass as complete.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { tableDigest } from '../../src/copy/copy.js';
import { COPY_TABLES } from '../../src/copy/tables.js';
import { SqliteStore } from '../../src/db/sqlite-store.js';
import { cli } from '../helpers/cohort.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('digest');
const original = path.join(dir, 'a.sqlite');
const nuclei = COPY_TABLES.find((t) => t.name === 'nuclei')!;

beforeAll(async () => {
  expect((await cli('synth', path.join(dir, 'data'), '--images-per-fold', '3', '--size', '64', '--seed', '7', '--folds', '1')).code).toBe(0);
  expect((await cli('ingest', path.join(dir, 'data'), '--db', original)).code).toBe(0);
}, 60_000);

async function digestOf(file: string): Promise<string> {
  const store = SqliteStore.open(file, 'read');
  try {
    return (await tableDigest(store, nuclei)).sha256;
  } finally {
    await store.close();
  }
}

/** A copy of the database with one change made by `sql` (with `params`). */
function changed(name: string, sql: string, ...params: unknown[]): string {
  const file = path.join(dir, `${name}.sqlite`);
  fs.copyFileSync(original, file);
  const db = new Database(file);
  expect(db.prepare(sql).run(...params).changes).toBe(1);
  db.close();
  return file;
}

/** The first nucleus's outline with its last byte changed: a blob of the same length. */
function alteredContour(): Buffer {
  const db = new Database(original, { readonly: true });
  const contour = Buffer.from(db.prepare('SELECT contour FROM nuclei ORDER BY id LIMIT 1').pluck().get() as Buffer);
  db.close();
  contour[contour.length - 1] = (contour[contour.length - 1] as number) ^ 1;
  return contour;
}

describe('tableDigest', () => {
  it('agrees on the same content, and changes with any one value', async () => {
    const same = path.join(dir, 'same.sqlite');
    fs.copyFileSync(original, same);
    const reference = await digestOf(original);
    expect(await digestOf(same)).toBe(reference);
    const id = 'id = (SELECT min(id) FROM nuclei)';
    const variants = [
      changed('blob', `UPDATE nuclei SET contour = ? WHERE ${id}`, alteredContour()),
      changed('real', `UPDATE nuclei SET eccentricity = eccentricity + 1e-15 WHERE ${id} AND eccentricity > 0.1`),
      changed('integer', `UPDATE nuclei SET area = area + 1 WHERE ${id}`),
    ];
    const digests = await Promise.all(variants.map(digestOf));
    for (const d of digests) expect(d).not.toBe(reference);
    expect(new Set(digests).size).toBe(digests.length);
  });

  it('changes with a text value', async () => {
    const tissues = COPY_TABLES.find((t) => t.name === 'tissues')!;
    const of = async (file: string) => {
      const store = SqliteStore.open(file, 'read');
      try {
        return (await tableDigest(store, tissues)).sha256;
      } finally {
        await store.close();
      }
    };
    const renamed = changed('text', "UPDATE tissues SET name = name || ' ' WHERE id = (SELECT min(id) FROM tissues)");
    expect(await of(renamed)).not.toBe(await of(original));
  });
});
