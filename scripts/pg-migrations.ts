/**
 * Run by `npm run db:generate` after drizzle-kit has written migrations/postgres/. Two fixes drizzle-kit
 * does not make for derived views: it qualifies every view with "public" (the database's `?schema=` must
 * hold them, as it holds the tables), and it writes a file's CREATE VIEWs in name order, while PostgreSQL
 * needs a view's dependencies created first (eval_image_summary reads eval_pq). Idempotent.
 */
import fs from 'node:fs';
import path from 'node:path';

const folder = path.join(import.meta.dirname, '..', 'migrations', 'postgres');
const BREAK = '--> statement-breakpoint';

for (const name of fs.readdirSync(folder).filter((f) => f.endsWith('.sql')).sort()) {
  const file = path.join(folder, name);
  const before = fs.readFileSync(file, 'utf8');
  const statements = before.replaceAll('"public".', '').split(BREAK);
  const viewName = (s: string) => /^\s*CREATE VIEW "([^"]+)"/.exec(s)?.[1];
  const views = statements.filter((s) => viewName(s) !== undefined);
  const ordered: string[] = [];
  const pending = [...views];
  while (pending.length > 0) {
    const next = pending.findIndex((s) => pending.every((o) => o === s || !s.includes(`"${viewName(o)}"`)));
    if (next < 0) throw new Error(`${name}: views depend on each other in a cycle`);
    ordered.push(...pending.splice(next, 1));
  }
  let v = 0;
  const after = statements.map((s) => (viewName(s) !== undefined ? ordered[v++] as string : s)).join(BREAK);
  if (after !== before) fs.writeFileSync(file, after);
}
