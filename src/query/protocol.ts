/**
 * What the query command sends to its runner process (argv, JSON) and gets back (IPC). Both ends are this
 * program: the command validated the user's options (with zod) before writing the request, so the runner
 * checks only the shape, by hand, and stays small (it loads in a fraction of the CLI's time).
 */
import { FORMATS, type Format } from '../export/text.js';
import type { SerializedError } from '../errors.js';

export interface QueryRequest {
  db: string;
  sql: string;
  format: Format;
  raw: boolean;
  busyTimeout: number;
  /** A single value larger than this (a blob, a string) is refused. */
  maxValueBytes: number;
  /** The cap on temporary files the parent set (for the message when a write to one fails). */
  maxTempBytes: number;
}

export function parseQueryRequest(text: string): QueryRequest {
  const r = JSON.parse(text) as Partial<QueryRequest>;
  const ok = typeof r.db === 'string' && typeof r.sql === 'string' && FORMATS.includes(r.format as Format) && typeof r.raw === 'boolean'
    && [r.busyTimeout, r.maxValueBytes, r.maxTempBytes].every((n) => Number.isSafeInteger(n) && (n as number) >= 0);
  if (!ok) throw new Error('malformed query request');
  return r as QueryRequest;
}

export type QueryReply = { ok: true } | { ok: false; error: SerializedError; internal?: boolean };
