#!/usr/bin/env node
// The installed `pannuke` command: runs the compiled CLI (built by `npm run build`, which `npm ci` runs).
await import('../dist/cli/entry.js');
