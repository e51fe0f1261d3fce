/**
 * The schemas at pannuke's edges (command-line options, .npy headers, output markers, the explorer's URLs) use
 * zod's mini API: the same validation as its classic API, with functions instead of methods. Why: the
 * classic API ran ~25 ms of module set-up on the main thread at the start of every command (a bundle of both
 * timed alone: 28 ms against 10 ms), while a command's worker threads waited for their first request.
 * English messages, as the classic API gives by default (the mini API loads no locale by itself).
 */
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());

// Re-exported name by name, and the error class from zod's core module alone: zod/mini's `core` namespace
// brings every locale zod has into the bundle (~400 KB).
export { array, boolean, enum, int, literal, maximum, maxLength, minimum, NEVER, nonnegative, number, object, optional, pipe, positive, regex, string, toLowerCase, transform, trim } from 'zod/mini';
export type { infer, ZodMiniType } from 'zod/mini';
export { $ZodError as ZodError } from 'zod/v4/core';
