/**
 * The ingest_runs log, which doubles as the writer lock: a run claims the database by inserting a `running`
 * row inside an IMMEDIATE transaction, after checking that no other live process holds one. A row left
 * `running` by a killed process (its pid is gone) is marked `interrupted` and the new run proceeds, so a
 * crash never leaves the database locked. A run's `images` and `nuclei` grow in the same transactions that
 * commit them, so they are exact whatever stopped the run.
 */
import os from 'node:os';
import { and, eq } from 'drizzle-orm';
import type { Db } from './open.js';
import { TOOL_VERSION } from '../meta/package.js';
import { ingestRuns } from './schema.js';
import { PannukeError } from '../errors.js';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function startRun(db: Db, file: string, options: Record<string, unknown>): number {
  const host = os.hostname();
  try {
    return db.$client
      .transaction(() => {
        for (const run of db.select().from(ingestRuns).where(eq(ingestRuns.status, 'running')).all()) {
          const stale = run.host === host && run.pid !== process.pid && !isAlive(run.pid);
          if (!stale) {
            throw new PannukeError('DB_LOCKED', `another ingest is writing this database (run ${run.id}, pid ${run.pid} on ${run.host}, started ${run.startedAt})`, {
              file,
              hint: run.host === host
                ? 'wait for it to finish, or stop it; a killed run is detected and its work resumed'
                : `if that process is gone, mark it: sqlite3 ${file} "UPDATE ingest_runs SET status = 'interrupted' WHERE id = ${run.id}"`,
            });
          }
          db.update(ingestRuns).set({ status: 'interrupted' }).where(and(eq(ingestRuns.id, run.id), eq(ingestRuns.status, 'running'))).run();
        }
        const row = db
          .insert(ingestRuns)
          .values({ startedAt: new Date().toISOString(), toolVersion: TOOL_VERSION, options: JSON.stringify(options), status: 'running', host, pid: process.pid, images: 0, nuclei: 0 })
          .returning({ id: ingestRuns.id })
          .get();
        return row.id;
      })
      .immediate();
  } catch (e) {
    if ((e as { code?: string }).code === 'SQLITE_BUSY') {
      throw new PannukeError('DB_LOCKED', 'the database is locked by another program (a reader or a writer) for longer than --busy-timeout', { file, hint: 'wait for it to finish, or wait longer: --busy-timeout 600000 (10 min)', cause: e });
    }
    throw e;
  }
}

/** Adds committed work to a run's counts; called inside the transaction that commits it. */
export function countCommitted(db: Db, id: number, images: number, nuclei: number): void {
  db.$client.prepare('UPDATE ingest_runs SET images = images + ?, nuclei = nuclei + ? WHERE id = ?').run(images, nuclei, id);
}

/** Marks a run stopped by Ctrl-C; its counts are already those of what it committed. */
export function interruptRun(db: Db, id: number): void {
  db.update(ingestRuns).set({ status: 'interrupted', finishedAt: new Date().toISOString() }).where(eq(ingestRuns.id, id)).run();
}
