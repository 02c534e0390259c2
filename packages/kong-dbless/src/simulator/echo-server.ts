/**
 * A backend that answers every request with what it received (method, path, query, headers, body), so tests
 * and the cluster harness can see exactly what a proxy forwarded. One per backend pod IP in the harness.
 */
import { createServer } from 'node:http';
import { startListener } from './dataplane/listener.ts';
import { readBody, sendJson } from './http-util.ts';

export interface EchoServerOptions {
  /** Address to bind (a loopback address or a pod IP inside the harness's network namespace). @defaultValue '127.0.0.1' */
  host?: string;
  /** @defaultValue 0 (a free port) */
  port?: number;
  /** Reported in every answer as `name`, so a test can tell backends apart. @defaultValue `echo-<port>` */
  name?: string;
}

/** The JSON body of every echo answer. */
export interface EchoReply {
  name: string;
  method: string;
  /** The request target as received: path and query string. */
  url: string;
  path: string;
  query: Record<string, string>;
  /** Header names lower-cased, repeated headers joined with ', ' as node does. */
  headers: Record<string, string>;
  body: string;
}

export interface EchoServer {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly name: string;
  /** Requests answered since start. */
  requestCount(): number;
  stop(): Promise<void>;
}

export async function startEchoServer(options: EchoServerOptions = {}): Promise<EchoServer> {
  const host = options.host ?? '127.0.0.1';
  let name = options.name ?? '';
  let count = 0;
  const server = createServer((req, res) => {
    readBody(req, Number.MAX_SAFE_INTEGER).then(
      (body = Buffer.alloc(0)) => {
        count++;
        const url = new URL(req.url ?? '/', 'http://echo');
        const reply: EchoReply = {
          name,
          method: req.method ?? 'GET',
          url: req.url ?? '/',
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          headers: Object.fromEntries(
            Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]),
          ),
          body: body.toString('utf8'),
        };
        sendJson(res, 200, reply);
      },
      () => res.destroy(),
    );
  });
  const listener = await startListener(server, { host, port: options.port ?? 0, scheme: 'http' });
  if (!name) name = `echo-${listener.port}`;
  return {
    url: listener.url,
    host,
    port: listener.port,
    name,
    requestCount: () => count,
    stop: () => listener.close(),
  };
}
