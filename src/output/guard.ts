/**
 * Which paths a command may write. An output is refused, with one line saying why, when it is (or, for a
 * folder, would replace something that holds) one of the command's inputs: the database and its -wal, -shm and
 * -journal files, the fold files the database was ingested from and their folders. An existing output is
 * refused unless the user said --force, and so is one in a folder that is missing or cannot be written.
 *
 * Paths are compared by what they are, not how they are spelled: symbolic links are resolved and existing
 * files are compared by device and inode, so a hard link to the database is the database.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PannukeError } from '../errors.js';
import { whyNotReplaceable } from './marker.js';

export interface OutputRules {
  /** A file, or a folder the command fills (export masks, synth). */
  kind: 'file' | 'dir';
  /** Replace an existing output (a non-empty folder, for kind 'dir'). */
  force?: boolean;
  /** Inputs that must never be written over: files, or folders whose files must not be (see `inputsOf`). */
  inputs: readonly string[];
  /** The option the path came from, for messages ('--out'). */
  option: string;
  /** Create a missing parent folder (synth's dataset folder) instead of refusing. */
  createParents?: boolean;
  /** For a folder output: the command writing it ('synth', 'export masks'), which --force may replace. */
  command?: string;
  /** For a file output: a file name to suggest when given a folder (default nuclei.csv, an export's). */
  example?: string;
}

/** The files of a database that SQLite may write beside it. */
export const databaseFiles = (db: string): string[] => [db, `${db}-wal`, `${db}-shm`, `${db}-journal`];

/** A path with its folder's symbolic links resolved (the file itself need not exist). */
function canonical(p: string): string {
  const abs = path.resolve(p);
  try {
    return fs.realpathSync(abs);
  } catch {
    const parent = path.dirname(abs);
    return parent === abs ? abs : path.join(canonical(parent), path.basename(abs));
  }
}

const statOf = (p: string): fs.Stats | undefined => {
  try {
    return fs.statSync(p);
  } catch {
    return undefined;
  }
};

const sameFile = (a: fs.Stats | undefined, b: fs.Stats | undefined) => a !== undefined && b !== undefined && a.dev === b.dev && a.ino === b.ino;

/** Whether two paths name the same file: the same after resolving links, or the same device and inode. */
export const samePath = (a: string, b: string): boolean => canonical(a) === canonical(b) || sameFile(statOf(a), statOf(b));

const isWithin = (inner: string, outer: string) => inner === outer || inner.startsWith(outer.endsWith(path.sep) ? outer : outer + path.sep);

/**
 * Checks that `out` may be written under `rules`; returns its absolute path. Throws BAD_OPTION (exit 2) for
 * an output that is an input or exists without --force, FILE_UNREADABLE (exit 1) for an unusable folder.
 */
export function checkOutput(out: string, rules: OutputRules): string {
  if (out.trim() === '') throw new PannukeError('BAD_OPTION', `${rules.option}: expected a path, got an empty string`);
  const target = canonical(out);
  const targetStat = statOf(target);
  for (const input of rules.inputs) {
    const inputPath = canonical(input);
    const inputStat = statOf(inputPath);
    const clash =
      target === inputPath ||
      sameFile(targetStat, inputStat) ||
      // A folder output replaces everything under it; a file output can only clash with a file.
      (rules.kind === 'dir' && isWithin(inputPath, target));
    if (clash) {
      throw new PannukeError('BAD_OPTION', `${rules.option} ${out}: refusing to write over an input of this command (${input})`, {
        hint: `choose another ${rules.option} path; the database and the files it was ingested from are never outputs`,
      });
    }
  }
  // A folder output replaces everything in it: never the folder the command runs in, nor one holding it.
  if (rules.kind === 'dir' && isWithin(canonical(process.cwd()), target)) {
    throw new PannukeError('BAD_OPTION', `${rules.option} ${out}: refusing to replace the current folder${canonical(process.cwd()) === target ? '' : ' or a folder holding it'}`, {
      hint: `name a new folder for the output, e.g. ${rules.option === '<dir>' ? '' : `${rules.option} `}out`,
    });
  }
  const folder = path.dirname(target);
  if (rules.createParents === true && statOf(folder) === undefined) {
    try {
      fs.mkdirSync(folder, { recursive: true });
    } catch (cause) {
      throw new PannukeError('FILE_UNREADABLE', `cannot create folder ${folder}: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`, { file: out, cause });
    }
  }
  const folderStat = statOf(folder);
  if (folderStat === undefined) {
    throw new PannukeError('FILE_MISSING', `folder ${path.dirname(path.resolve(out))} does not exist`, { file: out, hint: `create it first (mkdir -p), or choose another ${rules.option}` });
  }
  if (!folderStat.isDirectory()) throw new PannukeError('FILE_UNREADABLE', `${path.dirname(path.resolve(out))} is not a folder`, { file: out });
  try {
    fs.accessSync(folder, fs.constants.W_OK);
  } catch {
    throw new PannukeError('FILE_UNREADABLE', `cannot write in folder ${folder} (permission denied or read-only)`, { file: out, hint: `choose another ${rules.option}` });
  }
  if (targetStat !== undefined) {
    if (rules.kind === 'file' && targetStat.isDirectory()) {
      throw new PannukeError('BAD_OPTION', `${rules.option} ${out} is a folder: expected a file path`, { hint: `name a file, e.g. ${path.join(out, rules.example ?? 'nuclei.csv')}` });
    }
    if (rules.kind === 'dir' && !targetStat.isDirectory()) {
      throw new PannukeError('BAD_OPTION', `${rules.option} ${out} is a file: expected a folder to create`, { hint: `choose another ${rules.option}` });
    }
    const occupied = rules.kind === 'file' || fs.readdirSync(target).length > 0;
    if (occupied && rules.force !== true) {
      throw new PannukeError('BAD_OPTION', `${rules.option} ${out} already exists${rules.kind === 'dir' ? ' and is not empty' : ''}`, {
        hint: `add --force to replace it${rules.kind === 'dir' ? ` (only a previous output of this command)` : ''}, or choose another ${rules.option}`,
      });
    }
    if (occupied && rules.kind === 'dir') checkReplaceable(target, out, rules);
  }
  return path.resolve(out);
}

/** --force on a folder: only an empty one or exactly a previous output of the same command is replaced. */
function checkReplaceable(target: string, out: string, rules: OutputRules): void {
  const why = whyNotReplaceable(target, rules.command ?? 'unknown');
  if (why !== undefined) {
    throw new PannukeError('BAD_OPTION', `${rules.option} ${out}: not replaced, even with --force: ${why}`, {
      hint: `--force replaces only a folder this command wrote; choose a new ${rules.option} folder, or remove that one yourself`,
    });
  }
}

/** The paths to protect for fold sources recorded as `file` or `archive.zip:member`: the file and its folder. */
export function inputsOf(sourcePaths: readonly string[]): string[] {
  const out = new Set<string>();
  for (const p of sourcePaths) {
    const zip = /^(.*\.zip):/i.exec(p);
    const file = zip === null ? p : (zip[1] as string);
    out.add(file);
    out.add(path.dirname(file));
  }
  return [...out];
}
