/** What the query command sends to its runner process (argv, JSON) and gets back (IPC). */
import { z } from 'zod';
import { FORMATS } from '../export/text.js';
import type { SerializedError } from '../errors.js';

export const QueryRequest = z.object({
  db: z.string(),
  sql: z.string(),
  format: z.enum(FORMATS),
  raw: z.boolean(),
  busyTimeout: z.number().int().nonnegative(),
  /** A single value larger than this (a blob, a string) is refused. */
  maxValueBytes: z.number().int().positive(),
  /** The cap on temporary files the parent set (for the message when a write to one fails). */
  maxTempBytes: z.number().int().positive(),
});
export type QueryRequest = z.infer<typeof QueryRequest>;

export type QueryReply = { ok: true } | { ok: false; error: SerializedError; internal?: boolean };
