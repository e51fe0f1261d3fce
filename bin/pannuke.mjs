#!/usr/bin/env node
// The installed `pannuke` command: runs the compiled CLI (built by `npm run build`, which `npm ci` runs).
import { runBundle } from './bundle.mjs';

runBundle(new URL('../dist/cli/entry.cjs', import.meta.url));
