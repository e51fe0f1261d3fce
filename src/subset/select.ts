/**
 * How subsets are chosen: pure functions of their candidates and a seed (no database), so the same seed and
 * database always give the same subset.
 */
import { rng, shuffle } from '../random.js';

export interface NucleusCandidate {
  id: number;
  imageId: number;
  classId: number;
  /** The stratum (a tissue name or a fold number as text; '' without stratification). */
  stratum: string;
}

export interface Shortfall {
  stratum: string;
  classId: number;
  available: number;
}

/**
 * K nuclei per class and stratum, drawn uniformly without replacement; where a group has fewer than K, all of
 * it is taken and reported. Candidates must come in a fixed order (by id); the result is sorted by id.
 */
export function nucleiPerClass(candidates: readonly NucleusCandidate[], k: number, seed: number): { chosen: NucleusCandidate[]; shortfalls: Shortfall[] } {
  const groups = new Map<string, NucleusCandidate[]>();
  for (const c of candidates) {
    const key = `${c.stratum}\u0000${c.classId}`;
    let group = groups.get(key);
    if (group === undefined) groups.set(key, (group = []));
    group.push(c);
  }
  const rand = rng(seed);
  const chosen: NucleusCandidate[] = [];
  const shortfalls: Shortfall[] = [];
  for (const key of [...groups.keys()].sort()) {
    const group = (groups.get(key) as NucleusCandidate[]).slice().sort((a, b) => a.id - b.id);
    if (group.length < k) shortfalls.push({ stratum: group[0]!.stratum, classId: group[0]!.classId, available: group.length });
    chosen.push(...shuffle(group, rand).slice(0, k));
  }
  return { chosen: chosen.sort((a, b) => a.id - b.id), shortfalls };
}

export interface ImageCandidate {
  id: number;
  /** Qualifying nuclei per class id 1..5, at index classId − 1. */
  counts: number[];
}

/** max/min of the class totals over `classes` (∞ when a class has none). */
export function imbalance(totals: readonly number[], classes: readonly number[]): number {
  const values = classes.map((c) => totals[c - 1] as number);
  const min = Math.min(...values);
  return min === 0 ? Number.POSITIVE_INFINITY : Math.max(...values) / min;
}

/** Nucleus totals per class id 1..5 over images. */
export function totalsOf(images: readonly ImageCandidate[]): number[] {
  const totals = [0, 0, 0, 0, 0];
  for (const im of images) im.counts.forEach((n, k) => (totals[k] = (totals[k] as number) + n));
  return totals;
}

/**
 * N images chosen greedily so the per-class nucleus totals over `classes` are as even as possible: at each
 * step, the image whose addition gives the lowest (max + 1) / (min + 1), ties going to the larger minimum and
 * then to the seed's order. O(N × candidates × classes).
 */
export function balancedImages(candidates: readonly ImageCandidate[], n: number, classes: readonly number[], seed: number): ImageCandidate[] {
  const pool = shuffle(candidates.slice().sort((a, b) => a.id - b.id), rng(seed));
  const taken = new Uint8Array(pool.length);
  const totals = [0, 0, 0, 0, 0];
  const chosen: ImageCandidate[] = [];
  for (let step = 0; step < Math.min(n, pool.length); step++) {
    let best = -1, bestScore = Infinity, bestMin = -1;
    for (let i = 0; i < pool.length; i++) {
      if (taken[i] === 1) continue;
      const counts = (pool[i] as ImageCandidate).counts;
      let max = 0, min = Infinity;
      for (const c of classes) {
        const v = (totals[c - 1] as number) + (counts[c - 1] as number);
        if (v > max) max = v;
        if (v < min) min = v;
      }
      const score = (max + 1) / (min + 1);
      if (score < bestScore || (score === bestScore && min > bestMin)) {
        best = i;
        bestScore = score;
        bestMin = min;
      }
    }
    taken[best] = 1;
    const image = pool[best] as ImageCandidate;
    image.counts.forEach((v, k) => (totals[k] = (totals[k] as number) + v));
    chosen.push(image);
  }
  return chosen.sort((a, b) => a.id - b.id);
}

/** N images drawn uniformly with the same seed: the baseline the balanced choice is reported against. */
export function randomImages(candidates: readonly ImageCandidate[], n: number, seed: number): ImageCandidate[] {
  return shuffle(candidates.slice().sort((a, b) => a.id - b.id), rng(seed)).slice(0, n).sort((a, b) => a.id - b.id);
}
