#!/usr/bin/env node
// The installed `pannuke` command: runs the compiled CLI (built by `npm run build`, which `npm ci` runs).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { runBundle } from './bundle.mjs';

// First the worker thread the command will need, booting on the other core while the CLI compiles (src/cli/warm.ts).
const warm = new URL('../dist/cli/warm.cjs', import.meta.url);
if (fs.existsSync(warm)) createRequire(import.meta.url)(fileURLToPath(warm));
runBundle(new URL('../dist/cli/entry.cjs', import.meta.url));
