/**
 * A user's SQL condition (`subset create --where`), confined to one boolean expression over nucleus_facts.
 * It is spliced into a larger statement as `(<expr>)`, so it must not be able to close that parenthesis, end
 * the statement or comment out the rest: a small lexer checks that its parentheses balance outside string
 * literals and quoted names, and that it holds no `;` and no comment. It is then run alone, as
 * `SELECT 1 FROM nucleus_facts WHERE (<expr>) LIMIT 0`, which must be a read (Store.allReadOnly). Callers still apply their other filters
 * outside it, so whatever it says, it can only narrow.
 */
import type { Store } from '../db/store.js';
import { PannukeError } from '../errors.js';

const QUOTES: Record<string, string> = { "'": "'", '"': '"', '`': '`', '[': ']' };

/** Why `expr` is not one self-contained expression, or undefined. */
export function conditionShapeProblem(expr: string): string | undefined {
  if (expr.trim() === '') return 'it is empty';
  let depth = 0;
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i] as string;
    const close = QUOTES[c];
    if (close !== undefined) {
      // A quoted string or name; a doubled closing quote inside stands for itself.
      let j = i + 1;
      for (;;) {
        j = expr.indexOf(close, j);
        if (j < 0) return `a quote opened at character ${i + 1} is never closed`;
        if (close !== ']' && expr[j + 1] === close) j += 2;
        else break;
      }
      i = j;
      continue;
    }
    if (c === ';') return `it holds a ';' at character ${i + 1} (one expression only)`;
    if ((c === '-' && expr[i + 1] === '-') || (c === '/' && expr[i + 1] === '*')) return `it holds a comment at character ${i + 1}`;
    if (c === '(') depth++;
    if (c === ')' && --depth < 0) return `a ')' at character ${i + 1} closes a parenthesis it did not open`;
  }
  return depth === 0 ? undefined : `${depth} parenthesis(es) left open`;
}

/** Checks `expr` as a condition on nucleus_facts (see above); throws BAD_OPTION or QUERY with the reason. */
export async function checkCondition(store: Store, expr: string, option = '--where'): Promise<string> {
  const problem = conditionShapeProblem(expr);
  if (problem !== undefined) {
    throw new PannukeError('BAD_OPTION', `${option}: expected one SQL condition on nucleus_facts columns, but ${problem}`, { hint: 'e.g. --where "eccentricity < 0.9 AND area >= 30"' });
  }
  try {
    await store.allReadOnly(`SELECT 1 FROM nucleus_facts WHERE (${expr}) LIMIT 0`);
  } catch (e) {
    if (e instanceof PannukeError) throw new PannukeError('BAD_OPTION', `${option}: ${e.message}`, { hint: 'the columns are those of nucleus_facts (pannuke schema)' });
    throw e;
  }
  return expr;
}
