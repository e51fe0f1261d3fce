// Every PostgreSQL connection attempt ends, in one line: a server that accepts and never answers (a listener on
// loopback made here, no PostgreSQL needed), an unreachable port, and, on the run's real server, a role that
// needs a SCRAM password given none (node-postgres used to leave that socket open, and the command never exited).
import fs from 'node:fs';
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { exitOf, spawnCli } from '../helpers/child.js';
import { freshDatabase, pgRows, postgresSkip, postgresUrl } from '../helpers/postgres.js';
import { skipBecause } from '../helpers/tmp.js';

async function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const started = performance.now();
  const child = spawnCli(args, env);
  const { code } = await exitOf(child);
  return { code, ...child.output(), seconds: (performance.now() - started) / 1000 };
}

const lines = (err: string) => err.trim().split('\n').filter((l) => l !== '');

describe('connect timeout', () => {
  const sockets: net.Socket[] = [];
  const silent = net.createServer((s) => void sockets.push(s));
  afterAll(() => {
    for (const s of sockets) s.destroy();
    silent.close();
  });

  it('a server that accepts and never answers: one line after --connect-timeout, exit 1, for reading and writing commands', async () => {
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    const url = `postgres://pannuke:secret@127.0.0.1:${port}/pannuke`;
    for (const args of [['stats', '--db', url, '--connect-timeout', '1'], ['eval', 'list', '--db', url, '--connect-timeout', '1'], ['query', '--db', url, 'SELECT 1', '--connect-timeout', '1']]) {
      const r = await run(args);
      expect([r.code, lines(r.err)], args.join(' ')).toEqual([1, [expect.stringMatching(/^pannuke: error: postgres:\/\/pannuke:\*\*\*@127\.0\.0\.1:\d+\/pannuke: no answer from the PostgreSQL server within 1 s/)]]);
      expect(r.seconds).toBeLessThan(8);
    }
  }, 60_000);

  it('--connect-timeout is checked: a value no timer can hold is refused with the limit', async () => {
    const r = await run(['stats', '--db', 'postgres://x@127.0.0.1:1/x', '--connect-timeout', '2147484']);
    expect([r.code, lines(r.err)[0]]).toEqual([2, expect.stringMatching(/--connect-timeout: must be at most 2147483/)]);
    const q = await run(['query', '--db', 'x.sqlite', 'SELECT 1', '--timeout', '2147484']);
    expect([q.code, lines(q.err)[0]]).toEqual([2, expect.stringMatching(/--timeout: must be at most 2147483/)]);
  }, 30_000);
});

describe.skipIf(postgresSkip !== '' || skipBecause(process.getuid?.() !== 0, 'the SCRAM test edits the throwaway server\'s pg_hba.conf, as root'))('a password the server asks for', () => {
  it('a URL without one ends at once in one line naming what to do; with it, the login works', async () => {
    const url = await freshDatabase({ postgis: false });
    // The run's server trusts every login; this role alone must give a SCRAM password (the rule goes first).
    const hba = (await pgRows<{ hba_file: string }>(postgresUrl, 'SHOW hba_file'))[0]!.hba_file;
    const rule = 'host all pannuke_pw 127.0.0.1/32 scram-sha-256\n';
    const before = fs.readFileSync(hba, 'utf8');
    if (!before.startsWith(rule)) fs.writeFileSync(hba, rule + before);
    await pgRows(postgresUrl, "SET password_encryption = 'scram-sha-256'; DROP ROLE IF EXISTS pannuke_pw; CREATE ROLE pannuke_pw LOGIN PASSWORD 'pw'; SELECT pg_reload_conf()");
    const target = new URL(url);
    target.username = 'pannuke_pw';
    target.password = '';
    const bare = target.toString();
    for (const args of [['stats', '--db', bare], ['subset', 'list', '--db', bare], ['eval', 'list', '--db', bare]]) {
      const r = await run(args, { PGPASSWORD: '' });
      expect([r.code, lines(r.err)], args.join(' ')).toEqual([1, [expect.stringMatching(/the PostgreSQL server asks for a password and none was given \(put it in the URL/)]]);
      expect(r.seconds).toBeLessThan(8);
    }
    target.password = 'pw';
    const withPassword = await run(['stats', '--db', target.toString()]);
    expect(lines(withPassword.err)).toEqual([expect.stringMatching(/schema 'public' holds no pannuke-db database/)]);
  }, 60_000);
});
