#!/usr/bin/env node
// The installed `pannuke` command: runs the compiled CLI (built by `npm run build`, which `npm ci` runs).
import { runCli } from '../dist/cli/main.js';

process.exitCode = await runCli(process.argv.slice(2));
