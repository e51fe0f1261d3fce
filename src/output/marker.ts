/**
 * The mark a folder output carries: `.pannuke-output.json`, written into every folder a command fills (synth,
 * export masks, GeoParquet), naming the command and every entry it wrote. `--force` replaces a folder only
 * when it is empty or holds exactly such an output of the same command, so it can never delete what pannuke
 * did not write (a thesis, a database, a working folder given by mistake). A dot-file: readers of Hive
 * partitions (Arrow, DuckDB, Spark) skip hidden files.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as z from '../zod.js';

export const OUTPUT_MARKER = '.pannuke-output.json';

const Marker = z.object({
  tool: z.literal('pannuke-db'),
  command: z.string(),
  entries: z.array(z.string()),
});

/** Writes the marker into a finished folder output, listing what is in it. */
export function writeMarker(dir: string, command: string): void {
  const entries = fs.readdirSync(dir).filter((e) => e !== OUTPUT_MARKER).sort();
  fs.writeFileSync(path.join(dir, OUTPUT_MARKER), `${JSON.stringify({ tool: 'pannuke-db', command, writtenAt: new Date().toISOString(), entries }, null, 2)}\n`);
}

/**
 * Why `dir` may not be replaced by an output of `command`: undefined when it is empty or holds exactly a
 * previous output of that command; else the reason, naming up to ten of the entries pannuke did not write.
 */
export function whyNotReplaceable(dir: string, command: string): string | undefined {
  const present = fs.readdirSync(dir);
  if (present.length === 0) return undefined;
  let marker: z.infer<typeof Marker> | undefined;
  try {
    marker = Marker.parse(JSON.parse(fs.readFileSync(path.join(dir, OUTPUT_MARKER), 'utf8')));
  } catch {
    marker = undefined;
  }
  const list = (names: string[]) => `${names.slice(0, 10).join(', ')}${names.length > 10 ? ` and ${names.length - 10} more` : ''}`;
  if (marker === undefined) return `it holds ${present.length} entr${present.length === 1 ? 'y' : 'ies'} that pannuke did not write (${list(present.sort())})`;
  if (marker.command !== command) return `it holds the output of \`pannuke ${marker.command}\`, not of \`pannuke ${command}\``;
  const written = new Set([...marker.entries, OUTPUT_MARKER]);
  const foreign = present.filter((e) => !written.has(e)).sort();
  if (foreign.length > 0) return `besides a previous output of \`pannuke ${command}\` it holds ${foreign.length} entr${foreign.length === 1 ? 'y' : 'ies'} that pannuke did not write (${list(foreign)})`;
  return undefined;
}
