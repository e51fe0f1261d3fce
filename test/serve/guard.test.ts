// Who may talk to the explorer (src/serve/guard.ts): loopback Host names with the server's port, the names
// --host adds, and writes only from the explorer's own pages.
import { describe, expect, it } from 'vitest';
import { refusal } from '../../src/serve/guard.js';

const req = (host: string | undefined, extra: Record<string, string> = {}, method = 'GET') => ({ method, headers: { ...(host !== undefined && { host }), ...extra } });

describe('the explorer\'s guard', () => {
  it('answers loopback names with its port, and refuses other names, other ports and no Host', () => {
    for (const host of ['127.0.0.1:8737', 'localhost:8737', 'LOCALHOST:8737', '[::1]:8737', '127.1.2.3:8737', 'localhost']) expect(refusal(req(host), { port: 8737 }), host).toBeUndefined();
    for (const host of ['evil.example:8737', '127.0.0.1.evil.example:8737', 'localhost.evil.example', '10.0.0.5:8737', '127.0.0.1:8738']) expect(refusal(req(host), { port: 8737 }), host).toBeDefined();
    expect(refusal(req(undefined), { port: 8737 })).toBe('no Host header');
  });

  it('names added by --host are answered (every address of the machine for 0.0.0.0)', () => {
    expect(refusal(req('10.0.0.5:8737'), { port: 8737, extraHosts: ['10.0.0.5', 'lab-box'] })).toBeUndefined();
    expect(refusal(req('LAB-BOX:8737'), { port: 8737, extraHosts: ['10.0.0.5', 'lab-box'] })).toBeUndefined();
    expect(refusal(req('10.0.0.6:8737'), { port: 8737, extraHosts: ['10.0.0.5'] })).toBeDefined();
  });

  it('refuses a write from another origin or site; a same-origin write, or one with neither header (curl), goes on', () => {
    const o = { port: 8737 };
    expect(refusal(req('127.0.0.1:8737', { origin: 'http://127.0.0.1:8737', 'sec-fetch-site': 'same-origin' }, 'POST'), o)).toBeUndefined();
    expect(refusal(req('127.0.0.1:8737', {}, 'POST'), o)).toBeUndefined();
    expect(refusal(req('127.0.0.1:8737', { origin: 'http://evil.example' }, 'POST'), o)).toMatch(/another origin/);
    expect(refusal(req('127.0.0.1:8737', { origin: 'http://127.0.0.1:9999' }, 'POST'), o)).toMatch(/another origin/);
    expect(refusal(req('127.0.0.1:8737', { origin: 'null' }, 'POST'), o)).toMatch(/another origin/);
    expect(refusal(req('127.0.0.1:8737', { 'sec-fetch-site': 'cross-site' }, 'POST'), o)).toMatch(/another site/);
    // reads are not origin-checked (the Host check is what stops rebinding reads)
    expect(refusal(req('127.0.0.1:8737', { origin: 'http://evil.example' }), o)).toBeUndefined();
  });
});
