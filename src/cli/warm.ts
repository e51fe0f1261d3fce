/**
 * Run by bin/pannuke.mjs before the CLI's bundle (dist/cli/warm.cjs, a bundle of its own of a few KB): the
 * first worker thread the command line needs starts booting on the other core while the main thread compiles
 * and loads the CLI (~30 ms), instead of after it; cli/entry.ts then starts the rest (warm-start.ts).
 *
 * Why one: two threads booting beside the compile contend for the two cores with it. Paired runs of a
 * 600-image ingest (9 each, wall and CPU from wait4): one thread here 3 % less wall and 0.01 more cores used
 * than none; two here no better than none.
 */
import { warmStart } from './warm-start.js';

warmStart(process.argv.slice(2), 1);
