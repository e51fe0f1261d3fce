/**
 * Run by bin/pannuke.cjs before the CLI's bundle (dist/cli/warm.cjs, a bundle of its own of a few KB): for an
 * ingest, the first extraction thread starts booting on the other core while the main thread compiles and
 * loads the CLI (~30 ms), instead of after it; cli/entry.ts then starts the rest (warm-start.ts).
 *
 * Measured in paired runs (15 pairs, wall and CPU from wait4) against starting every thread from the bundle:
 * a 600-image ingest ×0.985 wall, ×0.99 CPU. One thread, not two: two booting beside the compile contend
 * with it for the two cores (no faster than none). Only for ingest: `eval run` measured ×1.005 wall for
 * 1.8 % more CPU, so its threads wait for the bundle as before.
 */
import { warmStart } from './warm-start.js';

const argv = process.argv.slice(2);
if (argv[0] === 'ingest') warmStart(argv, 1);
