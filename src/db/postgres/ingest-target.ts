/**
 * The IngestTarget over PostgreSQL. A batch of images is one transaction: the images' ids are drawn from
 * their identity sequence first (the nuclei need them), then images and nuclei go in by COPY (text format,
 * built straight from the workers' packed results), the area histogram is added to with one upsert of
 * arrays, and the run's counts grow in the same transaction. The writer lock is the schema's advisory lock,
 * held by the session since it was opened (./store.ts): a run left `running` when a new one starts is one
 * whose process died, since the lock is free again.
 */
import os from 'node:os';
import { getTableColumns } from 'drizzle-orm';
import { NUMBER_FIELDS, packedContours, packedNumbers, type NumberField } from '../../handoff/packed.js';
import { areaCounts } from '../area-histogram.js';
import { StoreIngestTarget } from '../ingest-target.js';
import { TOOL_VERSION } from '../../meta/package.js';
import { images, nuclei } from '../schema.js';
import type { ImageToLoad } from '../writer.js';
import { copyField } from './encode.js';
import type { PostgresStore } from './store.js';

const FIELDS = NUMBER_FIELDS.length;

/** Columns of a table by schema key, without the omitted keys: [key, column name][]. */
const columnsOf = (table: Parameters<typeof getTableColumns>[0], omit: string[]) =>
  Object.entries(getTableColumns(table)).filter(([key]) => !omit.includes(key)).map(([key, c]) => [key, c.name] as const);

const IMAGE_COLUMNS = columnsOf(images, []);
const NUCLEUS_COLUMNS = columnsOf(nuclei, ['id']);
/** Per nuclei column: its packed field, -1 for the contour, -2 for the image id. */
const NUCLEUS_SOURCES = NUCLEUS_COLUMNS.map(([key]) => (key === 'imageId' ? -2 : key === 'contour' ? -1 : NUMBER_FIELDS.indexOf(key as NumberField)));
if (NUCLEUS_SOURCES.some((s, i) => s === -1 && NUCLEUS_COLUMNS[i]?.[0] !== 'contour')) throw new Error('a nuclei column has no extracted value');

const list = (cols: readonly (readonly [string, string])[]) => cols.map(([, name]) => `"${name}"`).join(', ');

export class PostgresIngestTarget extends StoreIngestTarget {
  constructor(override readonly store: PostgresStore) {
    super(store);
  }

  private get client() {
    return this.store.client;
  }

  async startRun(options: Record<string, unknown>): Promise<number> {
    // The advisory lock is ours: a `running` row is a run whose session ended without saying so.
    await this.client.query("UPDATE ingest_runs SET status = 'interrupted' WHERE status = 'running'");
    const r = await this.client.query(
      `INSERT INTO ingest_runs (started_at, tool_version, options, status, host, pid, images, nuclei)
       VALUES ($1, $2, $3, 'running', $4, $5, 0, 0) RETURNING id`,
      [new Date().toISOString(), TOOL_VERSION, JSON.stringify(options), os.hostname(), process.pid],
    );
    return r.rows[0].id as number;
  }

  interrupt(): void {
    // Nothing can be sent synchronously: the server rolls back the open transaction when the connection
    // goes, and the next run marks this one interrupted (its counts are those of what it committed).
  }

  async write(batch: readonly ImageToLoad[], runId: number): Promise<void> {
    await this.store.transaction(async () => {
      const ids = await this.store.reserveIds('images', batch.length);
      const imageRows = batch.map(({ image }, k) => IMAGE_COLUMNS.map(([key]) => (key === 'id' ? ids[k] : (image as Record<string, unknown>)[key])));
      await this.store.append('images', IMAGE_COLUMNS.map(([, name]) => name), imageRows);
      await this.store.appendText(`COPY nuclei (${list(NUCLEUS_COLUMNS)}) FROM STDIN`, nucleusText(batch, ids));
      const areas = areaCounts(batch);
      const nucleusCount = batch.reduce((n, b) => n + b.nuclei.nucleusCount, 0);
      if (areas.length > 0) {
        // One upsert of five arrays (unnest), the rows transposed into columns.
        const columns = [0, 1, 2, 3, 4].map((c) => areas.map((row) => row[c]));
        await this.client.query(
          `INSERT INTO area_histogram (fold, tissue_id, class_id, area, nuclei)
           SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[])
           ON CONFLICT (fold, tissue_id, class_id, area) DO UPDATE SET nuclei = area_histogram.nuclei + excluded.nuclei`,
          columns,
        );
      }
      await this.client.query('UPDATE ingest_runs SET images = images + $1, nuclei = nuclei + $2 WHERE id = $3', [batch.length, nucleusCount, runId]);
    });
  }

  close(): void {}
}

/** The batch's nuclei as COPY text, one chunk per image (never the whole batch as one string). */
function* nucleusText(batch: readonly ImageToLoad[], ids: readonly number[]): Generator<string> {
  for (let k = 0; k < batch.length; k++) {
    const packed = (batch[k] as ImageToLoad).nuclei;
    const numbers = packedNumbers(packed);
    const contours = packedContours(packed);
    let text = '';
    for (let i = 0; i < packed.nucleusCount; i++) {
      for (let c = 0; c < NUCLEUS_SOURCES.length; c++) {
        const source = NUCLEUS_SOURCES[c] as number;
        const value = source >= 0 ? numbers[i * FIELDS + source] : source === -1 ? contours[i] : ids[k];
        text += (c === 0 ? '' : '\t') + copyField(value);
      }
      text += '\n';
    }
    yield text;
  }
}
