/**
 * Outputs appear whole or not at all: a command writes to a temporary name beside the final path (same
 * folder, so the rename is atomic) and renames it when complete. A failed or interrupted command removes the
 * temporary, so nothing partial is ever left under a name that looks finished.
 *
 * Without --force, the final rename is a hard link (which fails if the name was taken meanwhile) and the
 * temporary name is then unlinked: an output never replaces a file that appeared while it was written.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PannukeError } from '../errors.js';
import { onInterrupt } from '../interrupt.js';
import { whyNotReplaceable, writeMarker } from './marker.js';
import { errnoCode, writeError } from './write-error.js';

const temporaryName = (final: string, tag: string) =>
  path.join(path.dirname(final), `.${path.basename(final)}.${tag}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);

/**
 * Runs `write(temporaryPath)` and moves the result to `final` when it resolves; on failure or Ctrl-C the
 * temporary path is removed. `kind` 'dir' makes the temporary a fresh folder to fill.
 */
export interface AtomicOptions {
  kind: 'file' | 'dir';
  force?: boolean;
  /** For a folder: the command writing it, recorded in its marker (./marker.ts). */
  command?: string;
}

export async function writeAtomically<T>(final: string, options: AtomicOptions, write: (temporary: string) => Promise<T> | T): Promise<T> {
  const temporary = temporaryName(final, 'partial');
  const remove = () => fs.rmSync(temporary, { recursive: true, force: true });
  const unregister = onInterrupt(remove);
  try {
    if (options.kind === 'dir') {
      try {
        fs.mkdirSync(temporary);
      } catch (cause) {
        throw writeError(cause, final, 'create the output folder');
      }
    }
    const result = await write(temporary);
    commit(temporary, final, options);
    return result;
  } catch (e) {
    remove();
    throw named(e, temporary, final);
  } finally {
    unregister();
  }
}

/** A failure while writing, naming the output by its final path (not the temporary one it was written under). */
function named(e: unknown, temporary: string, final: string): unknown {
  if (e instanceof PannukeError) {
    if (e.file === undefined || !e.file.startsWith(temporary)) return e;
    return new PannukeError(e.code, e.message, { file: final + e.file.slice(temporary.length), cause: e, ...(e.position !== undefined && { position: e.position }), ...(e.hint !== undefined && { hint: e.hint }) });
  }
  if (errnoCode(e) !== undefined) {
    const where = (e as { path?: string }).path;
    return writeError(e, where !== undefined && where.startsWith(temporary) ? final + where.slice(temporary.length) : final);
  }
  return e;
}

function commit(temporary: string, final: string, options: AtomicOptions): void {
  const taken = () => new PannukeError('BAD_OPTION', `${final} appeared while it was being written; the new output was not kept`, { hint: 'add --force to replace it, or choose another path' });
  try {
    if (options.kind === 'file') {
      if (options.force === true) fs.renameSync(temporary, final);
      else {
        try {
          fs.linkSync(temporary, final);
        } catch (cause) {
          if ((cause as NodeJS.ErrnoException).code === 'EEXIST') throw taken();
          throw cause;
        }
        fs.unlinkSync(temporary);
      }
      return;
    }
    // A folder: marked as this command's; the old one (empty, or a previous output of the same command with
    // --force; checked again, as something may have appeared meanwhile) is moved aside, the new one takes its name.
    const command = options.command ?? 'unknown';
    writeMarker(temporary, command);
    if (fs.existsSync(final)) {
      if (fs.readdirSync(final).length > 0 && (options.force !== true || whyNotReplaceable(final, command) !== undefined)) throw taken();
      const old = temporaryName(final, 'old');
      fs.renameSync(final, old);
      fs.renameSync(temporary, final);
      fs.rmSync(old, { recursive: true, force: true });
    } else {
      fs.renameSync(temporary, final);
    }
  } catch (cause) {
    if (cause instanceof PannukeError) throw cause;
    throw writeError(cause, final, 'move the finished output into place');
  }
}
