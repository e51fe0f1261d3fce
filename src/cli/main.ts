/**
 * The `pannuke` command: parses arguments and hands each command to its stage. Errors become one line on
 * stderr and an exit code (see EXIT); nothing below this file prints or exits.
 */
import { Command, CommanderError } from 'commander';
import { TOOL_VERSION } from '../db/open.js';
import { registerCopy } from './commands/copy.js';
import { registerDemo } from './commands/demo.js';
import { registerEval } from './commands/eval.js';
import { registerExport } from './commands/export.js';
import { registerFetch } from './commands/fetch.js';
import { registerIngest } from './commands/ingest.js';
import { registerQc } from './commands/qc.js';
import { registerQuery } from './commands/query.js';
import { registerReport } from './commands/report.js';
import { registerSchema } from './commands/schema.js';
import { registerServe } from './commands/serve.js';
import { registerStats } from './commands/stats.js';
import { registerSubset } from './commands/subset.js';
import { registerSynth } from './commands/synth.js';
import { registerUpgrade } from './commands/upgrade.js';
import { registerVerify } from './commands/verify.js';
import { describeFailure } from './failure.js';
import { setWarningLine } from './database.js';
import { terminalSafe } from './format.js';
import { EXIT, processIo, type Io } from './io.js';

export async function runCli(argv: readonly string[], io: Io = processIo): Promise<number> {
  const program = new Command('pannuke')
    .description('PanNuke nuclei segmentation → SQLite or PostgreSQL: one exact row per nucleus')
    .version(TOOL_VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError('(run with --help for usage)');
  setWarningLine((line) => io.stderr.write(`${terminalSafe(line)}\n`));
  registerFetch(program, io);
  registerIngest(program, io);
  registerSynth(program, io);
  registerStats(program, io);
  registerQuery(program, io);
  registerSubset(program, io);
  registerExport(program, io);
  registerQc(program, io);
  registerReport(program, io);
  registerVerify(program, io);
  registerEval(program, io);
  registerServe(program, io);
  registerSchema(program, io);
  registerCopy(program, io);
  registerUpgrade(program, io);
  registerDemo(program, io);

  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.OK;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version also end here, with exit code 0.
      return e.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    }
    const failure = describeFailure(e);
    io.stderr.write(`${failure.line}\n`);
    return failure.exitCode;
  }
}
