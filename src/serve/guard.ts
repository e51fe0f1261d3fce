/**
 * Who may talk to the explorer. It serves a local database to a local browser, so, as Jupyter does:
 *  - the Host header must name a loopback address or `localhost` (with the server's port): a DNS-rebinding
 *    page (evil.example resolving to 127.0.0.1) sends its own name as Host and is refused, which an Origin
 *    check alone would not do for reads;
 *  - a request that changes something (POST) must come from the explorer's own pages: Origin, when sent,
 *    must be the server's own, and Sec-Fetch-Site, when sent, same-origin.
 * `--host` for another interface adds that name to the allowed hosts (for 0.0.0.0 or ::, every address of
 * this machine and its host name).
 */
import type { IncomingMessage } from 'node:http';

export interface GuardOptions {
  port: number;
  /** Names the Host header may also carry: the interface given with --host (every address of this machine and its name, for 0.0.0.0 or ::). */
  extraHosts?: readonly string[];
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The host part of a Host header value (a bracketed IPv6 address kept whole). */
function splitHost(value: string): { host: string; port: string | undefined } {
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(value.trim().toLowerCase());
  return m === null ? { host: '', port: undefined } : { host: m[1] as string, port: m[2] };
}

export function isLoopbackName(host: string): boolean {
  return LOOPBACK.has(host) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Why the request is refused, or undefined when it may go on. */
export function refusal(req: Pick<IncomingMessage, 'headers' | 'method'>, o: GuardOptions): string | undefined {
  const hostHeader = req.headers.host;
  if (hostHeader === undefined) return 'no Host header';
  const { host, port } = splitHost(hostHeader);
  const extra = (o.extraHosts ?? []).map((h) => h.toLowerCase());
  const allowed = isLoopbackName(host) || extra.includes(host);
  if (!allowed) return `Host '${hostHeader}' is not this server (a loopback address or localhost)`;
  if (port !== undefined && Number(port) !== o.port) return `Host '${hostHeader}' names another port`;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    const origin = req.headers.origin;
    if (origin !== undefined) {
      let same = false;
      try {
        const u = new URL(origin);
        const o2 = splitHost(u.host);
        same = (isLoopbackName(o2.host) || extra.includes(o2.host)) && Number(u.port || (u.protocol === 'https:' ? 443 : 80)) === o.port;
      } catch {
        same = false;
      }
      if (!same) return `a write from another origin (${origin})`;
    }
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin') return `a write from another site (Sec-Fetch-Site: ${String(site)})`;
  }
  return undefined;
}
