/** The process entry of the `pannuke` command (bin/pannuke.mjs runs the built copy of this file). */
import { runInterruptCleanups } from '../interrupt.js';
import { EXIT } from './io.js';
import { runCli } from './main.js';

// Ctrl-C: what the running command registered is undone (partial outputs removed, the ingest log updated;
// each image commits whole, so a rerun resumes), then one line and the conventional 130, terminal or not.
process.once('SIGINT', () => {
  runInterruptCleanups();
  process.stderr.write(`${process.stderr.isTTY ? '\x1b[?25h\n' : ''}pannuke: interrupted (run the same command again to resume or redo it)\n`);
  process.exit(EXIT.INTERRUPTED);
});

// A reader that stops early (`| head`) closes the pipe: when it is the output's, that ends the command quietly,
// not with a stack trace. A closed stderr only loses progress lines and notes: the work goes on (an ingest
// behind `2>&1 | head` used to stop at its next progress line, half done, with exit 0); a failure still
// sets the exit code.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
  runInterruptCleanups();
  process.exit(EXIT.OK);
});
process.stderr.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
});

process.exitCode = await runCli(process.argv.slice(2));
