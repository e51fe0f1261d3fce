/**
 * What an ingest run will do with each fold, decided before anything is written: its sources are
 * fingerprinted and compared with those recorded; an unchanged fold continues after its loaded images, a
 * new one starts, and a changed one is refused unless --replace.
 */
import { fingerprint, type FingerprintKind } from '../dataset/fingerprint.js';
import type { OpenFold } from '../dataset/fold.js';
import { ROLES } from '../dataset/layout.js';
import type { IngestTarget } from '../db/ingest-target.js';
import type { SourceRow } from '../db/writer.js';
import { PannukeError } from '../errors.js';

/** The options planning reads. */
export interface PlanOptions {
  replace?: boolean;
  hash?: boolean;
  onStage?: (message: string) => void;
}

export interface FoldPlan {
  fold: OpenFold;
  sources: SourceRow[];
  /** fold_index values still to load. */
  indexes: number[];
  replace: boolean;
}

/** Fingerprints every fold and decides what to do with it, refusing changed folds before anything is written. */
export async function planFolds(target: IngestTarget, folds: readonly OpenFold[], options: PlanOptions): Promise<FoldPlan[]> {
  const plans: FoldPlan[] = [];
  for (const fold of folds) {
    options.onStage?.(`fingerprinting fold ${fold.fold}${options.hash === true && fold.files.members === undefined ? ' (full hash)' : ''}`);
    const sources: SourceRow[] = [];
    const changed: string[] = [];
    const recorded = await target.sourcesOf(fold.fold);
    for (const role of ROLES) {
      const kind: FingerprintKind | undefined = options.hash === true && fold.files.members === undefined ? 'full' : undefined;
      const fp = await fingerprint(fold.files, role, kind);
      sources.push({ fold: fold.fold, role, path: fp.path, bytes: fp.bytes, mtime: fp.mtime, fingerprint: fp.fingerprint, fingerprintKind: fp.kind });
      const before = recorded.find((r) => r.role === role);
      if (before === undefined) continue;
      // Compare like with like: fingerprint again the way it was recorded when the kinds differ.
      const now = before.fingerprintKind === fp.kind ? fp.fingerprint : (await fingerprint(fold.files, role, before.fingerprintKind)).fingerprint;
      if (before.bytes !== fp.bytes || before.fingerprint !== now) changed.push(role);
    }
    const loaded = changed.length > 0 ? new Set<number>() : await target.loadedIndexes(fold.fold);
    const indexes: number[] = [];
    for (let i = 0; i < fold.count; i++) if (!loaded.has(i)) indexes.push(i);
    plans.push({ fold, sources, indexes, replace: changed.length > 0 ? checkReplace(fold, changed, options) : false });
  }
  return plans;
}

function checkReplace(fold: OpenFold, roles: string[], options: PlanOptions): true {
  if (options.replace === true) return true;
  throw new PannukeError('SOURCE_CHANGED', `fold ${fold.fold} was ingested from different files: ${roles.map((r) => `${r}.npy`).join(', ')} changed since (size or fingerprint differs)`, {
    file: fold.files[roles[0] as 'masks'],
    hint: 'rerun with --replace to re-ingest this fold (its old rows are replaced in one transaction), or point at the original files',
  });
}
