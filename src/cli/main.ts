/**
 * The `pannuke` command: parses arguments and hands each command to its stage. Errors become one line on
 * stderr and an exit code (see EXIT); nothing below this file prints or exits.
 */
import { Command, CommanderError } from 'commander';
import { TOOL_VERSION } from '../meta/package.js';
import { describeFailure } from './failure.js';
import { terminalSafe } from './format.js';
import { EXIT, processIo, type Io } from './io.js';
import { setWarningLine } from './warnings.js';

type Register = (program: Command, io: Io) => void;

/**
 * Every command's module, in the order `--help` lists them. Only the one asked for is imported: in the
 * bundle every module is compiled, but a command runs only its own modules' top-level code, not the
 * explorer's, the exports' or the PostgreSQL driver's.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  fetch: async () => (await import('./commands/fetch.js')).registerFetch,
  ingest: async () => (await import('./commands/ingest.js')).registerIngest,
  synth: async () => (await import('./commands/synth.js')).registerSynth,
  stats: async () => (await import('./commands/stats.js')).registerStats,
  query: async () => (await import('./commands/query.js')).registerQuery,
  subset: async () => (await import('./commands/subset.js')).registerSubset,
  export: async () => (await import('./commands/export.js')).registerExport,
  qc: async () => (await import('./commands/qc.js')).registerQc,
  report: async () => (await import('./commands/report.js')).registerReport,
  verify: async () => (await import('./commands/verify.js')).registerVerify,
  eval: async () => (await import('./commands/eval.js')).registerEval,
  serve: async () => (await import('./commands/serve.js')).registerServe,
  schema: async () => (await import('./commands/schema.js')).registerSchema,
  copy: async () => (await import('./commands/copy.js')).registerCopy,
  upgrade: async () => (await import('./commands/upgrade.js')).registerUpgrade,
  demo: async () => (await import('./commands/demo.js')).registerDemo,
};

/** The commands to register: the one named first, or all of them (the overview `--help`, `help <command>`, a typo to suggest a fix for). */
async function commandsFor(argv: readonly string[]): Promise<Register[]> {
  const name = argv[0];
  if (name === '--version' || name === '-V') return [];
  const one = name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  return Promise.all(one !== undefined ? [one()] : Object.values(COMMANDS).map((load) => load()));
}

export async function runCli(argv: readonly string[], io: Io = processIo): Promise<number> {
  const program = new Command('pannuke')
    .description('PanNuke nuclei segmentation → SQLite or PostgreSQL: one exact row per nucleus')
    .version(TOOL_VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError('(run with --help for usage)');
  setWarningLine((line) => io.stderr.write(`${terminalSafe(line)}\n`));
  for (const register of await commandsFor(argv)) register(program, io);

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
