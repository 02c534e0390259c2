/** Reads the router's view of a request off the socket and headers (nginx `$host`, `$server_port`, SNI). */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { RequestFacts } from './router/index.ts';

/** `Host` without its port, lower-cased; `[v6]:port` keeps the brackets off. */
export function hostOf(header: string | undefined): string {
  const host = (header ?? '').trim().toLowerCase();
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']') > 0 ? host.indexOf(']') : undefined);
  const colon = host.lastIndexOf(':');
  return colon >= 0 && host.indexOf(':') === colon ? host.slice(0, colon) : host;
}

export function requestFacts(req: IncomingMessage, protocol: 'http' | 'https', port: number): RequestFacts {
  const target = req.url ?? '/';
  const q = target.indexOf('?');
  const socket = req.socket as Partial<TLSSocket>;
  const sni =
    protocol === 'https' && typeof socket.servername === 'string'
      ? socket.servername.toLowerCase()
      : undefined;
  return {
    protocol,
    method: (req.method ?? 'GET').toUpperCase(),
    host: hostOf(req.headers.host),
    port,
    path: q < 0 ? target : target.slice(0, q),
    query: new URLSearchParams(q < 0 ? '' : target.slice(q + 1)),
    headers: req.headers,
    ...(sni ? { sni } : {}),
    clientIp: req.socket.remoteAddress ?? '',
  };
}
