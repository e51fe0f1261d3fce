/**
 * The bulk path into SQLite: raw prepared statements (drizzle's builder is several times slower per row),
 * with their column lists taken from the drizzle schema, never written by hand. An image's row and all its
 * nuclei are written in the same transaction; several images share one transaction for speed.
 */
import { eq, getTableColumns, type Table } from 'drizzle-orm';
import type { Statement } from 'better-sqlite3';
import { NUMBER_FIELDS, packedContours, packedNumbers, type NumberField, type PackedImage } from '../handoff/packed.js';
import { areaCounts } from './area-histogram.js';
import type { Db } from './open.js';
import { images, nuclei, tissues, type NewImage, type NewNucleus, type sources } from './schema.js';

/** An image ready to load: its row (without id) and its nuclei, packed as the workers send them. */
export interface ImageToLoad {
  image: Omit<NewImage, 'id'>;
  nuclei: PackedImage;
}

// Every nuclei column but the ids and the contour is a packed number: a column added to the schema without a
// value from extraction fails to compile here.
const everyColumnExtracted: [Exclude<keyof Omit<NewNucleus, 'id' | 'imageId' | 'contour'>, NumberField>] extends [never] ? true : never = true;
void everyColumnExtracted;
const CONTOUR = -1;

/**
 * `INSERT INTO t (col, ...) VALUES (?, ...)` for every column of `table` except the omitted keys, the keys in
 * parameter order, and `params(row)` to bind an object by them. Positional parameters: binding an array is
 * cheaper than an object per row (the bulk path reuses one array).
 */
export function insertStatement(db: Db, table: Table, name: string, omit: readonly string[]) {
  const columns = Object.entries(getTableColumns(table)).filter(([key]) => !omit.includes(key));
  const sql = `INSERT INTO "${name}" (${columns.map(([, c]) => `"${c.name}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`;
  const keys = columns.map(([key]) => key);
  return {
    statement: db.$client.prepare(sql),
    keys,
    params: (row: Record<string, unknown>): unknown[] => keys.map((key) => row[key]),
  };
}

/**
 * Rows of a nucleus table (`nuclei`, `predicted_nuclei`) bound straight from a packed image: every column is
 * a packed number, the contour, or one of the `given` keys (the image id, a set id) that are the same for the
 * image's nuclei. One parameter array is reused for every row (values are copied on bind).
 */
export class PackedNucleusInserter {
  private readonly statement: Statement;
  /** Per parameter: its field index in a packed nucleus, CONTOUR, or −(2 + k) for the k-th given key. */
  private readonly sources: Int32Array;
  private readonly params: unknown[];

  constructor(db: Db, table: Table, name: string, given: readonly string[]) {
    const { statement, keys } = insertStatement(db, table, name, ['id']);
    this.statement = statement;
    this.sources = Int32Array.from(keys, (key) => {
      const k = given.indexOf(key);
      const source = k >= 0 ? -2 - k : key === 'contour' ? CONTOUR : NUMBER_FIELDS.indexOf(key as NumberField);
      if (source === -1 && key !== 'contour') throw new Error(`${name} column ${key} has no extracted value`);
      return source;
    });
    this.params = new Array(keys.length);
  }

  /** Inserts the image's nuclei (inside the caller's transaction); returns their row ids, in order. */
  insert(packed: PackedImage, given: readonly number[]): number[] {
    const fields = NUMBER_FIELDS.length;
    const numbers = packedNumbers(packed);
    const contours = packedContours(packed);
    const ids: number[] = new Array(packed.nucleusCount);
    for (let i = 0; i < packed.nucleusCount; i++) {
      for (let k = 0; k < this.sources.length; k++) {
        const source = this.sources[k] as number;
        this.params[k] = source >= 0 ? numbers[i * fields + source] : source === CONTOUR ? contours[i] : given[-2 - source];
      }
      ids[i] = Number(this.statement.run(this.params).lastInsertRowid);
    }
    return ids;
  }
}

export type SourceRow = Omit<typeof sources.$inferInsert, 'id'>;

export class BulkWriter {
  private readonly db: Db;
  private readonly insertImage: Statement;
  private readonly imageParams: (row: Record<string, unknown>) => unknown[];
  private readonly nuclei: PackedNucleusInserter;
  private readonly countAreas: Statement;

  constructor(db: Db) {
    this.db = db;
    ({ statement: this.insertImage, params: this.imageParams } = insertStatement(db, images, 'images', ['id']));
    this.nuclei = new PackedNucleusInserter(db, nuclei, 'nuclei', ['imageId']);
    this.countAreas = db.$client.prepare('INSERT INTO area_histogram (fold, tissue_id, class_id, area, nuclei) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET nuclei = nuclei + excluded.nuclei');
  }

  /** Ids of the given tissue names, inserting the new ones in the order given. */
  tissueIds(names: readonly string[]): Map<string, number> {
    const ids = new Map<string, number>();
    this.db.transaction((tx) => {
      for (const name of names) {
        tx.insert(tissues).values({ name }).onConflictDoNothing().run();
        const row = tx.select({ id: tissues.id }).from(tissues).where(eq(tissues.name, name)).get();
        ids.set(name, (row as { id: number }).id);
      }
    });
    return ids;
  }

  /**
   * Writes the images and their nuclei in one transaction: after a crash, each image is all there or absent.
   * `alongside` runs in the same transaction (the run log counts what is committed, exactly).
   */
  write(batch: readonly ImageToLoad[], alongside?: () => void): void {
    const run = this.db.$client.transaction(() => {
      for (const { image, nuclei: packed } of batch) {
        const imageId = Number(this.insertImage.run(this.imageParams(image)).lastInsertRowid);
        this.nuclei.insert(packed, [imageId]);
      }
      for (const row of areaCounts(batch)) this.countAreas.run(row);
      alongside?.();
    });
    run();
  }
}
