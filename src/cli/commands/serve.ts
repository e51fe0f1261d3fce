import os from 'node:os';
import type { Command } from 'commander';
import { openFolds, type OpenFold } from '../../dataset/fold.js';
import { openRecordedFolds } from '../../dataset/recorded.js';
import { PannukeError } from '../../errors.js';
import { onInterrupt, setStopNote } from '../../interrupt.js';
import { recordedSources } from '../../query/sources.js';
import { isLoopbackName } from '../../serve/guard.js';
import { Explorer } from '../../serve/server.js';
import { Tiles } from '../../serve/tiles.js';
import { withStore } from '../database.js';
import { dbOptions, type DbOptions } from '../db-options.js';
import { EXIT_HELP, type Io } from '../io.js';

interface ServeOptions extends DbOptions {
  data?: string;
  port: string;
  host: string;
  open?: boolean;
  allowWrite?: boolean;
}

export const DEFAULT_PORT = 8737;

/** The Host names a browser may use for --host: the address itself, and for any-interface binds every address and the machine's name. */
function hostNames(host: string): string[] {
  if (host !== '0.0.0.0' && host !== '::') return [host.includes(':') ? `[${host}]` : host];
  const addresses = Object.values(os.networkInterfaces()).flat().filter((a) => a !== undefined).map((a) => (a.family === 'IPv6' ? `[${a.address}]` : a.address));
  return [...addresses, os.hostname()];
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d{1,5}$/.test(value) || n > 65535) throw new PannukeError('BAD_OPTION', `--port ${value}: a port is 0..65535 (0: any free one)`);
  return n;
}

/** The folds whose H&E the tiles show: --data, else the recorded sources; none (placeholders) when they are gone. */
async function foldsForTiles(store: Parameters<typeof recordedSources>[0], data: string | undefined, io: Io): Promise<OpenFold[]> {
  try {
    if (data !== undefined) return await openFolds(data);
    const recorded = await recordedSources(store);
    const folds = [...new Set(recorded.map((r) => r.fold))].sort();
    const opened: OpenFold[] = [];
    for (const fold of folds) {
      try {
        opened.push(...(await openRecordedFolds(recorded, [fold])));
      } catch (e) {
        io.stderr.write(`warning: no H&E for fold ${fold}: ${e instanceof Error ? e.message : String(e)} (give --data <root>)\n`);
      }
    }
    return opened;
  } catch (e) {
    if (data !== undefined) throw e;
    io.stderr.write(`warning: no H&E patches: ${e instanceof Error ? e.message : String(e)}\n`);
    return [];
  }
}

async function runServe(o: ServeOptions, io: Io): Promise<void> {
  const port = parsePort(o.port);
  const host = o.host;
  const loopback = isLoopbackName(host.toLowerCase()) || host === '::1';
  setStopNote('the explorer stopped; nothing was left half done');
  await withStore(o, o.allowWrite === true ? 'write' : 'read', async (store) => {
    const tiles = new Tiles(await foldsForTiles(store, o.data, io));
    const explorer = new Explorer({ store, tiles, host, port, writable: o.allowWrite === true, ...(!loopback && { extraHosts: hostNames(host) }) });
    const stopped = new Promise<void>((ok) => {
      onInterrupt(() => {
        void explorer.close();
        tiles.close();
        ok();
      });
    });
    try {
      const address = await explorer.listen();
      const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      const url = `http://${loopback ? (host === 'localhost' ? 'localhost' : shown) : shown}:${address.port}/`;
      if (!loopback) io.stderr.write(`warning: listening on ${host}: anyone who can reach this machine on port ${address.port} can read this database\n`);
      if (tiles.zipped.length > 0) io.stderr.write(`note: fold${tiles.zipped.length > 1 ? 's' : ''} ${tiles.zipped.join(', ')} ${tiles.zipped.length > 1 ? 'are' : 'is'} read from zips: a patch is inflated from the start of its member (slow the first time); --data <unpacked folder> is faster\n`);
      io.stdout.write(`pannuke serve: ${url} (${o.allowWrite === true ? 'read-write: subsets can be saved' : 'read-only'}; Ctrl-C stops)\n`);
      if (o.open === true) {
        const { spawn } = await import('node:child_process');
        const child = spawn('xdg-open', [url], { stdio: 'ignore', detached: true });
        child.on('error', () => io.stderr.write(`note: could not open a browser (xdg-open); open ${url}\n`));
        child.unref();
      }
      await stopped;
    } finally {
      await explorer.close();
      tiles.close();
    }
  });
}

export function registerServe(program: Command, io: Io): void {
  dbOptions(program
    .command('serve')
    .description('explore the database in a browser: images, nuclei, a model\'s errors (a local web app; read-only unless --allow-write)'))
    .option('--data <root>', 'the folds (folder or zips) for the H&E patches; default: the files recorded at ingest, if unchanged')
    .option('--port <n>', 'the port to listen on (0: any free one)', String(DEFAULT_PORT))
    .option('--host <address>', 'the interface to listen on; anything but a loopback address exposes the database to the network', '127.0.0.1')
    .option('--open', 'open the explorer in the default browser')
    .option('--allow-write', 'open the database for writing, so that a filter can be saved as a subset')
    .addHelpText('after', `
Pages: / (overview), /images, /image/<images.id>, /nuclei, /eval/<set>, /eval/<a>/vs/<b>; every page's filter lives
in its URL (fold, tissue, class, subset, quirk, min_<column>, max_<column>, set, sort, page) and each has a JSON
twin under /api/ (lists also as CSV). Only requests whose Host is a loopback address or localhost are answered.`)
    .addHelpText('after', EXIT_HELP)
    .action((opts: ServeOptions) => runServe(opts, io));
}
