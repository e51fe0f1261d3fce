/**
 * Run by bin/pannuke.cjs before the CLI's bundle (dist/cli/warm.cjs, a bundle of its own of a few KB): for an
 * ingest or an eval run, the first worker thread starts booting on the other core while the main thread
 * compiles and loads the CLI (~30 ms), instead of after it; cli/entry.ts then starts the rest (warm-start.ts).
 *
 * Measured in paired runs (15 pairs, wall and CPU from wait4) against starting every thread from the bundle:
 * a 600-image ingest ×0.985 wall, ×0.99 CPU. One thread, not two: two booting beside the compile contend
 * with it for the two cores (no faster than none). For `eval run` it first measured ×1.005 wall for 1.8 %
 * more CPU; since bin/ is CommonJS (its thread starts ~6 ms sooner), ×0.976 wall and cores used +0.012
 * (fold 1 at 1×, 14 pairs), so eval's first thread starts here too.
 */
import { warmStart } from './warm-start.js';

const argv = process.argv.slice(2);
if (argv[0] === 'ingest' || (argv[0] === 'eval' && argv[1] === 'run')) warmStart(argv, 1);
