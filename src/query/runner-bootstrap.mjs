// Development entry for the query runner process: from TypeScript sources (vitest, tsx) it registers tsx
// first. Built code (dist/) runs runner.js.
import { register } from 'tsx/esm/api';

register();
await import('./runner.ts');
