// Development entry for the zip member reader thread: from TypeScript sources (vitest, tsx) a worker cannot
// load a .ts file directly, so it registers tsx first. Built code (dist/) loads member-reader.js.
import { register } from 'tsx/esm/api';

register();
await import('./member-reader.ts');
