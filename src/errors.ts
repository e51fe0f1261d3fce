/**
 * The one error family of pannuke-db. Every failure a user can cause (bad files, bad options, a database
 * that cannot be used) is a PannukeError with a stable `code`; only the CLI turns it into text and an exit
 * code. Messages say "expected X, found Y" and name the file and the place; `hint` says what to do.
 */

export const ERROR_CODES = {
  FILE_MISSING: 'a required file does not exist',
  FILE_UNREADABLE: 'a file exists but cannot be read',
  NPY_BAD_MAGIC: 'not an .npy file',
  NPY_BAD_VERSION: 'unsupported .npy format version',
  NPY_BAD_HEADER: 'the .npy header cannot be parsed',
  NPY_DTYPE: 'unsupported dtype',
  NPY_FORTRAN: 'Fortran-ordered arrays are not supported',
  ZIP: 'a zip archive cannot be read',
  FETCH: 'a download failed or did not verify',
  NPY_TRUNCATED: 'the file is shorter than its header says',
  FOLD_NOT_FOUND: 'a fold was not found under the data root',
  FOLD_MISMATCH: 'the files of a fold disagree or have the wrong shape',
  BAD_MASK_VALUE: 'a mask value is not a whole non-negative number',
  BAD_OPTION: 'a command-line option is invalid',
  DB_OPEN: 'the database cannot be opened or used',
  DB_SCHEMA: 'the database schema is not one this version knows',
  DB_LOCKED: 'another ingest is writing the database',
  SOURCE_CHANGED: 'the files of an ingested fold have changed',
  WORKER: 'an extraction worker failed',
  QUERY: 'a query failed or is not allowed',
  SUBSET: 'a subset cannot be made, found or stored',
  VERIFY_FAILED: 'the database does not reproduce the masks',
  RESOURCES: 'not enough disk space or memory for what was asked',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorDetails {
  /** The file the problem is in, if any. */
  file?: string;
  /** Where in the file or dataset: "image 12, channel 3, row 5, col 7", "header", "byte 128". */
  position?: string;
  /** What the user can do about it. */
  hint?: string;
  cause?: unknown;
}

export class PannukeError extends Error {
  readonly code: ErrorCode;
  readonly file: string | undefined;
  readonly position: string | undefined;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'PannukeError';
    this.code = code;
    this.file = details.file;
    this.position = details.position;
    this.hint = details.hint;
  }

  /** One line for a terminal: `file: position: message (hint)`. */
  describe(): string {
    const where = [this.file, this.position].filter((s) => s !== undefined && s !== '').join(': ');
    const hint = this.hint === undefined ? '' : ` (${this.hint})`;
    return `${where === '' ? '' : `${where}: `}${this.message}${hint}`;
  }

  /** Plain data, so an error raised in a worker thread crosses back intact. */
  toJSON(): SerializedError {
    return { code: this.code, message: this.message, file: this.file, position: this.position, hint: this.hint };
  }

  static fromJSON(e: SerializedError): PannukeError {
    const details: ErrorDetails = {};
    if (e.file !== undefined) details.file = e.file;
    if (e.position !== undefined) details.position = e.position;
    if (e.hint !== undefined) details.hint = e.hint;
    return new PannukeError(e.code, e.message, details);
  }
}

export interface SerializedError {
  code: ErrorCode;
  message: string;
  file: string | undefined;
  position: string | undefined;
  hint: string | undefined;
}
