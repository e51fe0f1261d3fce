/** The process entry of the `pannuke` command (bin/pannuke.mjs runs the built copy of this file). */
import { runCli } from './main.js';

// Ctrl-C: the database needs nothing (each image commits whole; a rerun resumes), but the terminal gets its
// cursor back from the progress bar, and scripts get the conventional 130.
process.once('SIGINT', () => {
  if (process.stderr.isTTY) process.stderr.write('\x1b[?25h\ninterrupted: run the same command again to resume\n');
  process.exit(130);
});

process.exitCode = await runCli(process.argv.slice(2));
