/** The process entry of the `pannuke` command (bin/pannuke.mjs runs the built copy of this file). */
import { runCli } from './main.js';

process.exitCode = await runCli(process.argv.slice(2));
