/**
 * This installed package: where it is and its version. A module of its own, with nothing heavy beside it, so
 * that `pannuke --version` and the CLI's first lines need not load the database code.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package's folder (package.json, migrations/, data/). Two levels up both from this file (src/meta/)
 * and from where the build puts it (dist/cli/entry.cjs).
 */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export const TOOL_VERSION: string = (JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
