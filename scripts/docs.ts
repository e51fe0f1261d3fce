/** `npm run docs`: rewrites the README's generated column tables from src/db/columns.ts. */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { schemaMarkdown } from '../src/db/columns.js';

const readme = fileURLToPath(new URL('../README.md', import.meta.url));
const text = fs.readFileSync(readme, 'utf8');
const updated = text.replace(/(<!-- schema:start[^\n]*-->\n)[\s\S]*?(<!-- schema:end -->)/, (_m, start: string, end: string) => `${start}${schemaMarkdown()}\n${end}`);
fs.writeFileSync(readme, updated);
process.stdout.write(updated === text ? 'README.md already up to date\n' : 'README.md column tables regenerated\n');
