/** Option parsers shared by commands: validated with zod at the edge, errors as usage errors. */
import * as z from '../zod.js';
import { PannukeError } from '../errors.js';
import { FORMATS, type Format } from '../export/text.js';

export function parse<T>(schema: z.ZodMiniType<T>, value: unknown, option: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new PannukeError('BAD_OPTION', `${option}: ${result.error.issues.map((i) => i.message).join('; ')} (got '${String(value)}')`);
  }
  return result.data;
}

const Fold = z.pipe(z.string().check(z.trim(), z.regex(/^[123]$/, 'folds are 1, 2 or 3')), z.transform(Number));

/** "1,3" → [1, 3] (sorted, unique). */
export const parseFolds = (value: string): number[] => [...new Set(value.split(',').map((s) => parse(Fold, s, '--folds')))].sort();

/** One fold: "3" → 3. */
export const parseFold = (value: string): number => parse(Fold, value, '--fold');

const wholeNumber = () => z.pipe(z.string().check(z.trim(), z.regex(/^\d+$/, 'must be a whole number')), z.transform(Number));

export const parsePositiveInt = (option: string) => (value: string): number =>
  parse(z.pipe(wholeNumber(), z.number().check(z.positive('must be positive'), z.maximum(Number.MAX_SAFE_INTEGER, 'too large'))), value, option);

export const parseNonNegativeInt = (option: string) => (value: string): number =>
  parse(z.pipe(wholeNumber(), z.number().check(z.maximum(Number.MAX_SAFE_INTEGER, 'too large'))), value, option);

export const parseIntIn = (option: string, min: number, max: number) => (value: string): number =>
  parse(z.pipe(wholeNumber(), z.number().check(z.minimum(min, `must be at least ${min}`), z.maximum(max, `must be at most ${max}`))), value, option);

/** One of `values`, in any case ("CSV" is csv). */
export function parseChoice<T extends string>(option: string, values: readonly T[]) {
  return (value: string): T => parse(z.pipe(z.string().check(z.trim(), z.toLowerCase()), z.enum(values as [T, ...T[]], { error: `expected one of ${values.join(', ')}` })), value, option);
}

export const parseFormat = (value: string): Format => parseChoice('--format', FORMATS)(value);

/** A comma-separated list of `values` (any case), each at most once. */
export function parseChoiceList<T extends string>(option: string, values: readonly T[]) {
  const one = parseChoice(option, values);
  return (value: string): T[] => {
    const list = value.split(',').map(one);
    const repeated = list.find((v, i) => list.indexOf(v) !== i);
    if (repeated !== undefined) throw new PannukeError('BAD_OPTION', `${option}: '${repeated}' is given twice (got '${value}')`);
    return list;
  };
}

/** The longest wait a Node timer (and SQLite's busy handler) can hold: 2^31 − 1 ms, about 24.8 days. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A whole number of seconds, 1 up to what a timer can hold (a larger one used to become 1 ms). */
export const parseSeconds = (option: string) => parseIntIn(option, 1, Math.floor(MAX_TIMER_MS / 1000));

/** A whole number of milliseconds, 0 up to what a timer can hold. */
export const parseMilliseconds = (option: string) => parseIntIn(option, 0, MAX_TIMER_MS);
