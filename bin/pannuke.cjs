#!/usr/bin/env node
'use strict';
// The installed `pannuke` command: runs the compiled CLI (built by `npm run build`, which `npm ci` runs).
// CommonJS like everything it loads: Node starts a CommonJS main ~6 ms sooner than an ES module (no module
// loader to set up first), and so the first worker thread below (paired 1× ingests: wall ×0.988).
const fs = require('node:fs');
const path = require('node:path');

// First the worker thread the command will need, booting on the other core while the CLI compiles (src/cli/warm.ts);
// then the loader, whose node:crypto alone (~13 ms of this core) would otherwise go before it.
const warm = path.join(__dirname, '..', 'dist', 'cli', 'warm.cjs');
if (fs.existsSync(warm)) require(warm);
require('./bundle.cjs').runBundle(path.join(__dirname, '..', 'dist', 'cli', 'entry.cjs'));
