/**
 * A backend that answers every request with what it received (method, path, query, headers, body), so tests
 * and the cluster harness can see exactly what a proxy forwarded. One per backend pod IP in the harness.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';

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
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    collect(req).then(
      (body) => {
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
        const text = JSON.stringify(reply);
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
        res.end(text);
      },
      () => res.destroy(),
    );
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = address && typeof address === 'object' ? address.port : 0;
  if (!name) name = `echo-${port}`;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let stopped: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}`,
    host,
    port,
    name,
    requestCount: () => count,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return stopped;
    },
  };
}

function collect(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
