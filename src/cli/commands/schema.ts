import type { Command } from 'commander';
import { schemaMarkdown } from '../../db/columns.js';
import { EXIT_HELP, type Io } from '../io.js';

export function registerSchema(program: Command, io: Io): void {
  program
    .command('schema')
    .description('print the definition of every table and column (Markdown)')
    .addHelpText('after', EXIT_HELP)
    .action(() => {
      io.stdout.write(`${schemaMarkdown()}\n`);
    });
}
