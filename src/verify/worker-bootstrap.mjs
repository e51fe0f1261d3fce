// Development entry for verify workers: from TypeScript sources (vitest, tsx) a worker cannot load a .ts
// file directly, so it registers tsx first. Built code (dist/) loads worker.js.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
