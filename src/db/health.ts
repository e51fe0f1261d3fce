/**
 * What a reader should know before trusting a database's figures: a `copy` that stopped half way (its
 * destination holds some tables, or part of one), or a last ingest that failed or was interrupted (its folds
 * may be partly loaded). One line each, said by every reading command; nothing is refused.
 */
import type { Store } from './store.js';

export async function healthWarnings(store: Store): Promise<string[]> {
  const out: string[] = [];
  const meta = new Map((await store.all("SELECT key, value FROM metadata WHERE key IN ('copy_state', 'copy_source')")).rows.map((r) => [String(r[0]), String(r[1])]));
  if (meta.get('copy_state') === 'partial') {
    out.push(`this database is an unfinished copy of ${meta.get('copy_source') ?? 'another database'}: its figures are partial; run the same \`pannuke copy\` again to finish it`);
  }
  const last = (await store.all('SELECT id, status, started_at, images, error FROM ingest_runs ORDER BY id DESC LIMIT 1')).rows[0];
  if (last !== undefined && (last[1] === 'failed' || last[1] === 'interrupted')) {
    const [id, status, startedAt, images, error] = last;
    const what = status === 'failed'
      ? `failed${error === null ? '' : ` (${String(error).split('\n')[0]})`}${Number(images) > 0 ? `, leaving ${images} images it had committed` : ', its rows removed'}`
      : `was interrupted after committing ${images} images`;
    out.push(`the last ingest (run ${id}, started ${startedAt}) ${what}: its folds may be incomplete; run the same ingest again to finish them`);
  }
  return out;
}
