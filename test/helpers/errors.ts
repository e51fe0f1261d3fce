/** The PannukeError a call throws (any other outcome fails the test). */
import { PannukeError } from '../../src/errors.js';

export function errorOf(f: () => unknown): PannukeError {
  try {
    f();
  } catch (e) {
    if (e instanceof PannukeError) return e;
    throw e;
  }
  throw new Error('expected an error');
}

export async function asyncErrorOf(f: () => Promise<unknown>): Promise<PannukeError> {
  try {
    await f();
  } catch (e) {
    if (e instanceof PannukeError) return e;
    throw e;
  }
  throw new Error('expected an error');
}
