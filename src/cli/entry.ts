/**
 * The process entry of the `pannuke` command (bin/pannuke.cjs runs the built copy of this file). It imports
 * only what its first lines need: the worker threads the command will need start (cli/warm-start.ts) before
 * the rest of the CLI runs (main.js, imported dynamically: in the bundle, compiled but not yet run).
 */
import { currentStopNote, runInterruptCleanups } from '../interrupt.js';
import { EXIT } from './io.js';
import { describeFailure } from './failure.js';
import { writeError } from '../output/write-error.js';
import { warmStart } from './warm-start.js';
import { exitIfIdle, idleBaseline } from './exit.js';

const argv = process.argv.slice(2);
warmStart(argv);

// Ctrl-C, a closed terminal (SIGHUP) or `kill`/`timeout`/a CI job stopped (SIGTERM): what the running command
// registered is undone (partial outputs removed, the ingest log updated; each image commits whole, so a rerun
// resumes), then one line and the conventional 128 + signal number (130, 129, 143), terminal or not.
const SIGNALS = { SIGINT: EXIT.INTERRUPTED, SIGHUP: EXIT.HANGUP, SIGTERM: EXIT.TERMINATED } as const;
for (const [signal, code] of Object.entries(SIGNALS)) {
  process.once(signal, () => {
    runInterruptCleanups();
    const what = signal === 'SIGINT' ? 'interrupted' : `stopped by ${signal}`;
    try {
      process.stderr.write(`${process.stderr.isTTY ? '\x1b[?25h\n' : ''}pannuke: ${what} (${currentStopNote()})\n`);
    } catch {
      // A hung-up terminal cannot take the line.
    }
    process.exit(code);
  });
}

// A reader that stops early (`| head`) closes the pipe: when it is the output's, that ends the command quietly,
// not with a stack trace. A closed stderr only loses progress lines and notes: the work goes on (an ingest
// behind `2>&1 | head` used to stop at its next progress line, half done, with exit 0); a failure still
// sets the exit code.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  runInterruptCleanups();
  if (e.code === 'EPIPE') process.exit(EXIT.OK);
  // Anything else (a redirect onto a full disk): one line, exit 1, the command's partial outputs removed.
  process.stderr.write(`${describeFailure(writeError(e, 'standard output')).line}\n`);
  process.exit(EXIT.FAILURE);
});
process.stderr.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
});

const baseline = idleBaseline();
// Not a top-level await: the build makes this file a CommonJS bundle (bin/bundle.cjs says why).
void import('./main.js').then(async ({ runCli }) => {
  process.exitCode = await runCli(argv);
  // A turn later: what the command's last step queued (a setImmediate) runs first.
  setImmediate(() => exitIfIdle(baseline));
});
