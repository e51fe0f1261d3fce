/** Option parsers shared by commands: validated with zod at the edge, errors as usage errors. */
import { z } from 'zod';
import { PannukeError } from '../errors.js';
import { FORMATS, type Format } from '../export/text.js';

function parse<T>(schema: z.ZodType<T>, value: unknown, option: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new PannukeError('BAD_OPTION', `${option}: ${result.error.issues.map((i) => i.message).join('; ')} (got '${String(value)}')`);
  }
  return result.data;
}

const Fold = z.coerce.number().int().min(1, 'folds are 1, 2 or 3').max(3, 'folds are 1, 2 or 3');

/** "1,3" → [1, 3] (sorted, unique). */
export const parseFolds = (value: string): number[] =>
  [...new Set(value.split(',').map((s) => parse(Fold, s.trim() === '' ? Number.NaN : s.trim(), '--folds')))].sort();

export const parsePositiveInt = (option: string) => (value: string): number =>
  parse(z.coerce.number().int('must be a whole number').positive('must be positive'), value, option);

export const parseNonNegativeInt = (option: string) => (value: string): number =>
  parse(z.coerce.number().int('must be a whole number').nonnegative('must be ≥ 0'), value, option);

export const parseFormat = (value: string): Format => parse(z.enum(FORMATS), value, '--format');
