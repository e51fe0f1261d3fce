import { defineConfig } from 'drizzle-kit';

// `npm run db:generate` writes PostgreSQL's migrations into migrations/postgres/ from the same schema
// (src/db/postgres/schema.ts derives its tables from src/db/schema.ts).
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/postgres/schema.ts',
  out: './migrations/postgres',
});
