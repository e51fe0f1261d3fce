/**
 * What an ingest run will do with each fold, decided before anything is written: its sources are
 * fingerprinted and compared with those recorded; an unchanged fold continues after its loaded images, a
 * new one starts, and a changed one is refused unless --replace.
 *
 * When is a file "changed"? Its size differs, or its fingerprint (the kind it was recorded with: sampled,
 * full or the zip's CRC-32) differs. A sampled fingerprint reads 1 MiB of the file and misses an edit between
 * its blocks, so a file whose modification time differs from the recorded one (or any file, under --hash) is
 * also checked in full against what the database holds: every mask record's digest against
 * `images.mask_digest`, every tissue name against the image's tissue. images.npy's pixels are not in the
 * database (nothing in it derives from them), so only its header, size and fingerprint are compared.
 */
import { fingerprint, type FileFingerprint, type FingerprintKind } from '../dataset/fingerprint.js';
import type { OpenFold } from '../dataset/fold.js';
import { ROLES, type Role } from '../dataset/layout.js';
import type { IngestTarget, RecordedSource } from '../db/ingest-target.js';
import type { SourceRow } from '../db/writer.js';
import { PannukeError } from '../errors.js';
import { yielder } from '../interrupt.js';
import { scanKernel } from '../extract/kernel/scan.js';

/** The options planning reads. */
export interface PlanOptions {
  replace?: boolean;
  hash?: boolean;
  onStage?: (message: string) => void;
}

export interface FoldPlan {
  fold: OpenFold;
  /** The files as they are now, recorded in `sources` only if this run loads from them. */
  sources: SourceRow[];
  /** fold_index values still to load. */
  indexes: number[];
  replace: boolean;
}

/** Fingerprints every fold and decides what to do with it, refusing changed folds before anything is written. */
export async function planFolds(target: IngestTarget, folds: readonly OpenFold[], options: PlanOptions): Promise<FoldPlan[]> {
  const plans: FoldPlan[] = [];
  for (const fold of folds) {
    options.onStage?.(`fingerprinting fold ${fold.fold}${options.hash === true ? ' (every byte: --hash)' : ''}`);
    const recorded = await target.sourcesOf(fold.fold);
    const sources: SourceRow[] = [];
    const changes: Change[] = [];
    for (const role of ROLES) {
      const fp = await fingerprint(fold.files, role, options.hash === true ? 'full' : undefined);
      sources.push({ fold: fold.fold, role, path: fp.path, bytes: fp.bytes, mtime: fp.mtime, fingerprint: fp.fingerprint, fingerprintKind: fp.kind });
      const before = recorded.find((r) => r.role === role);
      if (before === undefined) continue;
      const change = await compare(target, fold, role, before, fp, options);
      if (change !== undefined) changes.push(change);
    }
    const loaded = changes.length > 0 ? new Set<number>() : await target.loadedIndexes(fold.fold);
    const indexes: number[] = [];
    for (let i = 0; i < fold.count; i++) if (!loaded.has(i)) indexes.push(i);
    plans.push({ fold, sources, indexes, replace: changes.length > 0 ? checkReplace(fold, changes, options) : false });
  }
  return plans;
}

interface Change {
  role: Role;
  file: string;
  what: string;
}

/** How `role`'s file differs from the one recorded, or undefined when it holds what was loaded. */
async function compare(target: IngestTarget, fold: OpenFold, role: Role, before: RecordedSource, now: FileFingerprint, options: PlanOptions): Promise<Change | undefined> {
  const changed = (what: string): Change => ({ role, file: now.path, what });
  if (before.bytes !== now.bytes) return changed(`is ${now.bytes} bytes, was ${before.bytes}`);
  // Compare like with like: fingerprint again the way it was recorded when the kinds differ.
  const kind = before.fingerprintKind as FingerprintKind;
  const fp = kind === now.kind ? now.fingerprint : (await fingerprint(fold.files, role, kind)).fingerprint;
  if (fp !== before.fingerprint) return changed(`differs (its ${kind} fingerprint)`);
  // A full hash or the zip's CRC-32 covers every byte; a sampled fingerprint does not.
  if (kind !== 'sampled') return undefined;
  const touched = now.mtime !== before.mtime;
  if (!touched && options.hash !== true) return undefined;
  if (role === 'images') return undefined;
  const why = touched ? `was modified after it was loaded (${before.mtime} → ${now.mtime})` : 'was checked in full (--hash)';
  options.onStage?.(`fold ${fold.fold}: ${role}.npy ${why}: comparing every image with the database`);
  const differing = role === 'masks' ? await changedMasks(target, fold) : await changedTypes(target, fold);
  if (differing.unknown > 0) {
    return changed(`${why}, and ${differing.unknown} of its images were loaded before pannuke-db kept a digest per image, so an edit cannot be ruled out`);
  }
  if (differing.indexes.length === 0) return undefined;
  const shown = differing.indexes.slice(0, 5).join(', ');
  const more = differing.indexes.length > 5 ? ` and ${differing.indexes.length - 5} more` : '';
  return changed(`${why}: image${differing.indexes.length > 1 ? 's' : ''} ${shown}${more} (fold_index) differ${differing.indexes.length > 1 ? '' : 's'} from what was loaded`);
}

interface Differing {
  /** fold_index of the loaded images whose data differs now. */
  indexes: number[];
  /** Loaded images that cannot be checked (no checksum stored). */
  unknown: number;
}

/** Every loaded image's mask record, its digest against the one stored with it. */
async function changedMasks(target: IngestTarget, fold: OpenFold): Promise<Differing> {
  const stored = await target.maskDigests(fold.fold);
  const out: Differing = { indexes: [], unknown: 0 };
  const wanted = [...stored.keys()].filter((i) => i < fold.count).sort((a, b) => a - b);
  const turn = yielder();
  for await (const record of fold.masks.read(wanted)) {
    const digest = stored.get(record.index);
    if (digest === null || digest === undefined) out.unknown++;
    else if (scanKernel().digest(record.bytes) !== digest) out.indexes.push(record.index);
    fold.masks.recycle(record.bytes.buffer as ArrayBuffer);
    await turn();
  }
  return out;
}

/** Every loaded image's tissue name against the one in types.npy. */
async function changedTypes(target: IngestTarget, fold: OpenFold): Promise<Differing> {
  const stored = await target.tissueNames(fold.fold);
  const indexes = [...stored].filter(([i, name]) => fold.tissues[i] !== name).map(([i]) => i).sort((a, b) => a - b);
  return { indexes, unknown: 0 };
}

const ORDER: readonly Role[] = ['masks', 'types', 'images'];

function checkReplace(fold: OpenFold, changes: readonly Change[], options: PlanOptions): true {
  if (options.replace === true) return true;
  // The masks first: they are what the rows are made of.
  const sorted = [...changes].sort((a, b) => ORDER.indexOf(a.role) - ORDER.indexOf(b.role));
  const first = sorted[0] as Change;
  const others = sorted.length > 1 ? `; also ${sorted.slice(1).map((c) => `${c.role}.npy`).join(', ')}` : '';
  throw new PannukeError('SOURCE_CHANGED', `fold ${fold.fold} changed since it was ingested: ${first.role}.npy ${first.what}${others}`, {
    file: first.file,
    hint: 'rerun with --replace to re-ingest this fold (its old rows are replaced in one transaction), or point at the original files',
  });
}
