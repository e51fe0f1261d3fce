/**
 * vitest global setup: one throwaway PostgreSQL server for the whole run (scripts/throwaway-postgres.ts).
 * Test files get its URL through `inject('postgresUrl')`; '' (with `postgresSkip` saying why) when the
 * binaries are not installed, and those tests skip with that message.
 */
import type { TestProject } from 'vitest/node';
import { startThrowawayServer } from '../../scripts/throwaway-postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
    postgresSkip: string;
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const server = await startThrowawayServer();
  if ('skip' in server) {
    project.provide('postgresUrl', '');
    project.provide('postgresSkip', server.skip);
    return () => undefined;
  }
  project.provide('postgresUrl', server.url);
  project.provide('postgresSkip', '');
  return () => server.stop();
}
