/**
 * A throwaway PostgreSQL server from Debian's binaries, for the tests and the bench: initdb in the system
 * temp folder, a free port on 127.0.0.1, trust authentication, fsync off; `stop()` stops it and deletes
 * the folder. As root the server runs as the `postgres` user (PostgreSQL refuses to run as root).
 * Undefined, with the reason, where the binaries are not installed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface ThrowawayServer {
  /** postgres://pk@127.0.0.1:<port>/postgres */
  url: string;
  stop(): void;
}

function binDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!fs.existsSync(root)) return undefined;
  const versions = fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : path.join(root, versions[0], 'bin');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

export async function startThrowawayServer(): Promise<ThrowawayServer | { skip: string }> {
  const bin = binDir();
  if (bin === undefined) return { skip: 'PostgreSQL is not installed (apt-get install postgresql postgresql-15-postgis-3; .ci/run does it)' };
  // The tests and the bench make every database with PostGIS (the geometry column and its GiST index).
  const version = path.basename(path.dirname(bin));
  if (!fs.existsSync(path.join('/usr/share/postgresql', version, 'extension', 'postgis.control'))) {
    return { skip: `PostGIS is not installed for PostgreSQL ${version} (apt-get install postgresql-${version}-postgis-3; .ci/run does it)` };
  }
  const asRoot = process.getuid?.() === 0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pannuke-pg-'));
  const run = (cmd: string, args: string[]) => {
    const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', path.join(bin, cmd), ...args]] : [path.join(bin, cmd), args];
    const r = spawnSync(file, argv, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr || r.stdout}`);
  };
  if (asRoot) execFileSync('chown', ['postgres', dir]);
  const port = await freePort();
  const data = path.join(dir, 'data');
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'pk', '--no-sync', '-E', 'UTF8']);
  run('pg_ctl', ['-D', data, '-l', path.join(dir, 'log'), '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`, '-w', 'start']);
  return {
    url: `postgres://pk@127.0.0.1:${port}/postgres`,
    stop: () => {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
