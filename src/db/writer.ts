/**
 * The bulk path into SQLite: raw prepared statements (drizzle's builder is several times slower per row),
 * with their column lists taken from the drizzle schema, never written by hand. An image's row and all its
 * nuclei are written in the same transaction; several images share one transaction for speed.
 */
import { eq, getTableColumns, gt, max, type Table } from 'drizzle-orm';
import type { Statement } from 'better-sqlite3';
import { NUMBER_FIELDS, packedContours, packedNumbers, type NumberField, type PackedImage } from '../extract/packed.js';
import type { Db } from './open.js';
import { areaHistogram, images, nuclei, sources, tissues, type NewImage, type NewNucleus } from './schema.js';

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
const FIELDS = NUMBER_FIELDS.length;
const CLASS_ID = NUMBER_FIELDS.indexOf('classId');
const AREA = NUMBER_FIELDS.indexOf('area');

/** Recounts `area_histogram` from the rows (after rows were removed other than by whole folds). */
export function rebuildAreaHistogram(db: Db): void {
  db.$client.exec(`DELETE FROM area_histogram;
    INSERT INTO area_histogram (fold, tissue_id, class_id, area, nuclei)
    SELECT i.fold, i.tissue_id, n.class_id, n.area, count(*) FROM nuclei n JOIN images i ON i.id = n.image_id GROUP BY 1, 2, 3, 4;`);
}

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

export interface WriteMark {
  imageId: number;
  tissueId: number;
  sourceId: number;
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

  /** The fold_index values of a fold that are already loaded (for resuming). */
  loadedIndexes(fold: number): Set<number> {
    const rows = this.db.select({ i: images.foldIndex }).from(images).where(eq(images.fold, fold)).all();
    return new Set(rows.map((r) => r.i));
  }

  /** Where the database stands now, to undo a failed run with `rollbackTo`. */
  mark(): WriteMark {
    const image = this.db.select({ id: max(images.id) }).from(images).get();
    const tissue = this.db.select({ id: max(tissues.id) }).from(tissues).get();
    const source = this.db.select({ id: max(sources.id) }).from(sources).get();
    return { imageId: image?.id ?? 0, tissueId: tissue?.id ?? 0, sourceId: source?.id ?? 0 };
  }

  /** Removes every image (with its nuclei, by cascade) and tissue added since `mark`, in one transaction. */
  rollbackTo(mark: WriteMark): void {
    this.db.transaction((tx) => {
      tx.delete(images).where(gt(images.id, mark.imageId)).run();
      rebuildAreaHistogram(this.db);
      tx.delete(tissues).where(gt(tissues.id, mark.tissueId)).run();
      tx.delete(sources).where(gt(sources.id, mark.sourceId)).run();
    });
  }

  /** The recorded source files of a fold, by role. */
  sourcesOf(fold: number): (typeof sources.$inferSelect)[] {
    return this.db.select().from(sources).where(eq(sources.fold, fold)).all();
  }

  /** Records (or updates in place) the source files of a fold. */
  recordSources(rows: readonly SourceRow[]): void {
    this.db.transaction((tx) => {
      for (const row of rows) {
        tx.insert(sources).values(row).onConflictDoUpdate({ target: [sources.fold, sources.role], set: row }).run();
      }
    });
  }

  /** Removes a fold's images (their nuclei go by cascade) and its area counts. */
  deleteFold(fold: number): void {
    this.db.delete(images).where(eq(images.fold, fold)).run();
    this.db.delete(areaHistogram).where(eq(areaHistogram.fold, fold)).run();
  }

  /**
   * Writes the images and their nuclei in one transaction: after a crash, each image is all there or absent.
   * `alongside` runs in the same transaction (the run log counts what is committed, exactly).
   */
  write(batch: readonly ImageToLoad[], alongside?: () => void): void {
    const run = this.db.$client.transaction(() => {
      const areas = new Map<string, number>();
      for (const { image, nuclei: packed } of batch) {
        const imageId = Number(this.insertImage.run(this.imageParams(image)).lastInsertRowid);
        this.nuclei.insert(packed, [imageId]);
        const numbers = packedNumbers(packed);
        for (let i = 0; i < packed.nucleusCount; i++) {
          const key = `${image.fold} ${image.tissueId} ${numbers[i * FIELDS + CLASS_ID]} ${numbers[i * FIELDS + AREA]}`;
          areas.set(key, (areas.get(key) ?? 0) + 1);
        }
      }
      for (const [key, n] of areas) this.countAreas.run(...key.split(' ').map(Number), n);
      alongside?.();
    });
    run();
  }
}
