/**
 * Class names and numbers as prediction files write them, to PanNuke's class ids 1..5. Names match in any
 * case and with any spacing, with the usual aliases; `--classes 'Tumor=Neoplastic,Lymphocyte=Inflammatory'`
 * maps another vocabulary. An unknown name is an error listing the names this run understands.
 */
import { PannukeError } from '../errors.js';

const CANONICAL: Record<string, number> = {
  neoplastic: 1, 'neoplastic cells': 1,
  inflammatory: 2, 'inflammatory cells': 2,
  connective: 3, 'connective tissue': 3, 'connective/soft tissue': 3, 'connective/soft tissue cells': 3, 'soft tissue': 3,
  dead: 4, 'dead cells': 4,
  epithelial: 5, 'non-neoplastic epithelial': 5, 'non-neoplastic epithelial cells': 5, 'epithelial cells': 5,
};

const key = (name: string) => name.trim().toLowerCase().replace(/[\s_]+/g, ' ');

export type ClassMap = ReadonlyMap<string, number>;

/** The names understood: PanNuke's and their aliases, plus `--classes` pairs (name=PanNuke name or 1..5). */
export function classMap(option?: string): ClassMap {
  const map = new Map(Object.entries(CANONICAL));
  if (option === undefined) return map;
  for (const pair of option.split(',')) {
    const [from, to] = pair.split('=');
    const id = to === undefined ? undefined : /^[1-5]$/.test(to.trim()) ? Number(to.trim()) : CANONICAL[key(to)];
    if (from === undefined || key(from) === '' || id === undefined) {
      throw new PannukeError('BAD_OPTION', `--classes: '${pair}' is not name=PanNuke class (Neoplastic, Inflammatory, Connective, Dead, Epithelial or 1..5)`);
    }
    map.set(key(from), id);
  }
  return map;
}

/**
 * The class id of a name, or of a number 1..5 (as a number or as text); undefined when the map does not know
 * it. A `--classes` pair comes first, so that numbers from another convention can be mapped ('0=1,1=2,…').
 */
export function classOf(map: ClassMap, name: string | number): number | undefined {
  const k = typeof name === 'number' ? String(name) : key(name);
  return map.get(k) ?? (/^[1-5]$/.test(k) ? Number(k) : undefined);
}

/** The error for names a file uses that the map does not know; numbers get a hint of their own. */
export function unknownClasses(names: Iterable<string>, file: string): PannukeError {
  const list = [...new Set(names)].sort();
  const numbers = list.every((n) => /^\s*-?\d+\s*$/.test(n));
  return new PannukeError('FOLD_MISMATCH', `unknown class ${numbers ? 'number' : 'name'}${list.length > 1 ? 's' : ''}: ${list.map((n) => `'${n}'`).join(', ')}`, {
    file,
    hint: numbers
      ? "class numbers are PanNuke's 1..5 (1 Neoplastic, 2 Inflammatory, 3 Connective, 4 Dead, 5 Epithelial); numbered from 0 instead? map them: --classes '0=1,1=2,2=3,3=4,4=5'"
      : "the names PanNuke knows are Neoplastic, Inflammatory, Connective, Dead, Epithelial (any case, with aliases); map others with --classes 'Tumor=Neoplastic,…'",
  });
}
