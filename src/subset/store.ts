/**
 * Making, storing, listing and dropping subsets. Candidates come from `nucleus_facts` with the user's filters;
 * the choice itself is `select.ts`; the result is stored in `subsets` and `subset_members` in one transaction, on either backend.
 */
import { byCodePoint, type Store } from '../db/store.js';
import { CLASS_NAMES, type subsets } from '../db/schema.js';
import { PannukeError } from '../errors.js';
import { checkCondition } from '../query/condition.js';
import { closest } from './closest.js';
import { balancedImages, imbalance, nucleiPerClass, randomImages, totalsOf, type ImageCandidate, type NucleusCandidate, type Shortfall } from './select.js';

export interface SubsetFilters {
  folds?: number[];
  tissues?: string[];
  /** Class ids 1..5. */
  classes?: number[];
  minArea?: number;
  /** A SQL condition on nucleus_facts columns. */
  where?: string;
}

export type SubsetSpec = SubsetFilters & { name: string; seed: number } & (
  | { kind: 'nuclei-per-class'; nucleiPerClass: number; stratify?: 'tissue' | 'fold' }
  | { kind: 'images'; images: number }
);

export interface SubsetResult {
  id: number;
  /** Groups the choice was made in: (stratum, class) pairs for nuclei-per-class, 1 for images. */
  groups: number;
  nuclei: number;
  images: number;
  /** Nuclei per class id 1..5 in the subset. */
  perClass: number[];
  shortfalls: Shortfall[];
  /** For image subsets: the balanced choice against a random draw of as many images with the same seed. */
  balance?: { imbalance: number; randomImbalance: number; randomPerClass: number[] };
}

/** Parses class names (any case) or ids into class ids. */
export function parseClasses(values: readonly string[]): number[] {
  return values.map((v) => {
    const byName = CLASS_NAMES.findIndex((n) => n.toLowerCase() === v.trim().toLowerCase());
    const id = byName >= 0 ? byName + 1 : Number(v);
    if (!Number.isInteger(id) || id < 1 || id > 5) {
      throw new PannukeError('BAD_OPTION', `--classes: unknown class '${v}': expected one of ${CLASS_NAMES.join(', ')} or 1..5`);
    }
    return id;
  });
}

/** A subset name: letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64 characters. */
export const SUBSET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** A name for something stored (a subset, a prediction set), checked against SUBSET_NAME. */
export function checkSubsetName(name: string, what = 'subset name'): string {
  if (!SUBSET_NAME.test(name)) {
    throw new PannukeError('BAD_OPTION', `${what} '${name}': expected 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit`);
  }
  return name;
}

/** Tissue names as the database spells them (matched in any case); an unknown one is an error naming the closest. */
export async function resolveTissues(store: Store, names: readonly string[]): Promise<string[]> {
  const known = (await store.all('SELECT name FROM tissues')).rows.map((r) => r[0] as string).sort(byCodePoint);
  return names.map((name) => {
    const exact = known.find((k) => k === name) ?? known.find((k) => k.toLowerCase() === name.toLowerCase());
    if (exact !== undefined) return exact;
    const near = closest(name, known);
    throw new PannukeError('BAD_OPTION', `--tissues: no tissue '${name}' in this database${near === undefined ? '' : ` (did you mean '${near}'?)`}`, {
      hint: `the tissues are: ${known.join(', ')}`,
    });
  });
}

/** The qualifying nuclei, in id order (read-only: the user's --where is part of it). */
async function candidates(store: Store, filters: SubsetFilters, stratify: 'tissue' | 'fold' | undefined): Promise<NucleusCandidate[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filters.folds !== undefined) { where.push(`fold IN (${filters.folds.map(() => '?').join(', ')})`); params.push(...filters.folds); }
  if (filters.tissues !== undefined) { where.push(`tissue IN (${filters.tissues.map(() => '?').join(', ')})`); params.push(...filters.tissues); }
  if (filters.classes !== undefined) { where.push(`class_id IN (${filters.classes.map(() => '?').join(', ')})`); params.push(...filters.classes); }
  if (filters.minArea !== undefined) { where.push('area >= ?'); params.push(filters.minArea); }
  // The user's condition filters an inner query; the other filters apply outside it, so it can only narrow.
  const source = filters.where === undefined ? 'nucleus_facts' : `(SELECT * FROM nucleus_facts WHERE (${await checkCondition(store, filters.where)})) AS q`;
  const stratum = stratify === undefined ? "''" : `CAST(${stratify} AS TEXT)`;
  const r = await store.allReadOnly(`SELECT nucleus_id, image_id, class_id, ${stratum} FROM ${source}${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY nucleus_id`, params);
  return (r.rows as [number, number, number, string][]).map(([id, imageId, classId, stratum]) => ({ id, imageId, classId, stratum }));
}

export async function createSubset(store: Store, spec: SubsetSpec & { allowEmpty?: boolean }): Promise<SubsetResult> {
  checkSubsetName(spec.name);
  if ((await store.all('SELECT id FROM subsets WHERE name = ?', [spec.name])).rows.length > 0) {
    throw new PannukeError('SUBSET', `a subset named '${spec.name}' already exists`, { file: store.label, hint: `drop it first: pannuke subset drop ${spec.name} --db ${store.label}` });
  }
  const pool = await candidates(store, spec, spec.kind === 'nuclei-per-class' ? spec.stratify : undefined);
  let members: NucleusCandidate[];
  let shortfalls: Shortfall[] = [];
  let balance: SubsetResult['balance'];
  let groups = 1;
  if (pool.length === 0 && spec.allowEmpty !== true) {
    throw new PannukeError('SUBSET', 'no nucleus passes the filters: the subset would be empty', { file: store.label, hint: 'loosen --folds/--tissues/--classes/--min-area/--where, or add --allow-empty to store it anyway' });
  }
  if (spec.kind === 'nuclei-per-class') {
    ({ chosen: members, shortfalls } = nucleiPerClass(pool, spec.nucleiPerClass, spec.seed));
    groups = new Set(pool.map((c) => `${c.stratum}\u0000${c.classId}`)).size;
  } else {
    const byImage = new Map<number, ImageCandidate>();
    for (const c of pool) {
      let im = byImage.get(c.imageId);
      if (im === undefined) byImage.set(c.imageId, (im = { id: c.imageId, counts: [0, 0, 0, 0, 0] }));
      im.counts[c.classId - 1] = (im.counts[c.classId - 1] as number) + 1;
    }
    const classes = spec.classes ?? [1, 2, 3, 4, 5];
    const images = [...byImage.values()];
    const chosen = balancedImages(images, spec.images, classes, spec.seed);
    const random = randomImages(images, spec.images, spec.seed);
    balance = { imbalance: imbalance(totalsOf(chosen), classes), randomImbalance: imbalance(totalsOf(random), classes), randomPerClass: totalsOf(random) };
    if (images.length < spec.images) shortfalls = [{ stratum: 'images', classId: 0, available: images.length }];
    const ids = new Set(chosen.map((im) => im.id));
    members = pool.filter((c) => ids.has(c.imageId));
  }
  const perClass = [0, 0, 0, 0, 0];
  for (const m of members) perClass[m.classId - 1] = (perClass[m.classId - 1] as number) + 1;
  const imageCount = new Set(members.map((m) => m.imageId)).size;
  const { name, seed, kind, allowEmpty: _allowEmpty, ...rest } = spec;
  const id = await store.transaction(async () => {
    const row = await store.all(
      'INSERT INTO subsets (name, created_at, kind, options, seed, nuclei, images, notes) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id',
      [name, new Date().toISOString(), kind, JSON.stringify({ kind, seed, ...rest }), seed, members.length, imageCount, JSON.stringify(shortfalls)],
    );
    const subsetId = row.rows[0]?.[0] as number;
    await store.append('subset_members', ['subset_id', 'nucleus_id', 'image_id'], members.map((m) => [subsetId, m.id, m.imageId]));
    return subsetId;
  });
  return { id, groups, nuclei: members.length, images: imageCount, perClass, shortfalls, ...(balance !== undefined && { balance }) };
}

export type StoredSubset = typeof subsets.$inferSelect;

const SUBSET_COLUMNS = 'id, name, created_at, kind, options, seed, nuclei, images, notes';
const subsetOf = ([id, name, createdAt, kind, options, seed, nuclei, images, notes]: unknown[]): StoredSubset =>
  ({ id, name, createdAt, kind, options, seed, nuclei, images, notes }) as StoredSubset;

export async function findSubset(store: Store, name: string): Promise<StoredSubset> {
  const row = (await store.all(`SELECT ${SUBSET_COLUMNS} FROM subsets WHERE name = ?`, [name])).rows[0];
  if (row === undefined) {
    const known = (await listSubsets(store)).map((s) => s.name);
    throw new PannukeError('BAD_OPTION', `no subset named '${name}'${known.length > 0 ? ` (known: ${known.join(', ')})` : ''}`, { file: store.label });
  }
  return subsetOf(row);
}

/** findSubset's id (stats and exports filter on it). */
export async function findSubsetId(store: Store, name: string): Promise<number> {
  return (await findSubset(store, name)).id;
}

export async function listSubsets(store: Store): Promise<StoredSubset[]> {
  return (await store.all(`SELECT ${SUBSET_COLUMNS} FROM subsets`)).rows.map(subsetOf).sort((a, b) => byCodePoint(a.name, b.name));
}

export async function dropSubset(store: Store, name: string): Promise<void> {
  const row = await findSubset(store, name);
  await store.transaction(async () => {
    await store.run('DELETE FROM subset_members WHERE subset_id = ?', [row.id]);
    await store.run('DELETE FROM subsets WHERE id = ?', [row.id]);
  });
}
