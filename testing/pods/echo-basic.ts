/**
 * What the Gateway API conformance suite's backend image (`registry.k8s.io/gateway-api/echo-basic`,
 * sigs.k8s.io/gateway-api/conformance/echo-basic/echo-basic.go) answers over plain HTTP on its `HTTP_PORT`
 * (3000): the JSON of the request it received (`path` = the request URI with its query, `host`, `method`,
 * `proto`, `headers` with Go's canonical names and every value, `httpPort`, and the pod's `namespace` and
 * `pod`), the headers named in `X-Echo-Set-Header` (`Name:value,…`) set on the answer, `/health` → `OK`,
 * `/status/NNN` → that status. The suite compares these fields with what it expects a Gateway to forward.
 * `?delay=<Go duration>` holds the answer that long (the suite's timeout tests).
 * Not served: h2c (3001), HTTPS (8443), WebSocket, `/retry/`, and the gRPC/TCP/UDP modes.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface EchoBasicOptions {
  host: string;
  /** @defaultValue 3000 (echo-basic's HTTP_PORT default) */
  port?: number;
  /** The pod's `metadata.name` and `metadata.namespace` (echo-basic's POD_NAME and NAMESPACE). */
  pod: string;
  namespace: string;
}

export interface EchoBasicServer {
  readonly url: string;
  stop(): Promise<void>;
}

/** Go's `textproto.CanonicalMIMEHeaderKey` for the names node hands over lower-cased. */
export function canonicalHeaderName(name: string): string {
  return name
    .split('-')
    .map((part) => (part ? part[0]!.toUpperCase() + part.slice(1).toLowerCase() : part))
    .join('-');
}

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Go's `time.ParseDuration` in milliseconds (`1s`, `500ms`, `1m30s`), or undefined when it is not one. */
export function goDurationMs(text: string): number | undefined {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) return undefined;
  return parts.reduce((sum, [, value, unit]) => sum + Number(value) * UNIT_MS[unit!]!, 0);
}

/** The body echo-basic writes for `request` (before `JSON.stringify`). */
export function echoBasicReply(
  request: Pick<IncomingMessage, 'url' | 'method' | 'httpVersion' | 'headersDistinct'>,
  context: { pod: string; namespace: string; httpPort: string },
) {
  const headers: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(request.headersDistinct)) {
    // Go's server moves Host out of the header map into Request.Host.
    if (name === 'host' || values === undefined) continue;
    headers[canonicalHeaderName(name)] = values;
  }
  return {
    path: request.url ?? '/',
    host: request.headersDistinct.host?.[0] ?? '',
    method: request.method ?? 'GET',
    proto: `HTTP/${request.httpVersion}`,
    headers,
    httpPort: context.httpPort,
    namespace: context.namespace,
    ingress: '',
    service: '',
    pod: context.pod,
  };
}

function setEchoHeaders(res: ServerResponse, request: IncomingMessage): void {
  for (const list of request.headersDistinct['x-echo-set-header'] ?? []) {
    for (const pair of list.split(',')) {
      const trimmed = pair.trim();
      const colon = trimmed.indexOf(':');
      const name = colon < 0 ? trimmed : trimmed.slice(0, colon);
      const value = colon < 0 ? '' : trimmed.slice(colon + 1);
      if (!name) continue;
      const current = res.getHeader(name);
      res.setHeader(name, current === undefined ? value : `${current},${value.trim()}`);
    }
  }
}

export async function startEchoBasicServer(options: EchoBasicOptions): Promise<EchoBasicServer> {
  const port = options.port ?? 3000;
  const context = { pod: options.pod, namespace: options.namespace, httpPort: String(port) };
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const path = (req.url ?? '/').replaceAll('//', '/').split('?')[0]!;
      if (path === '/health') {
        res.writeHead(200).end('OK');
        return;
      }
      if (path.startsWith('/status/')) {
        const code = /^\/status\/(\d\d\d)$/.exec(req.url ?? '')?.[1];
        res.writeHead(code ? Number(code) : 400).end();
        return;
      }
      const delay = new URL(req.url ?? '/', 'http://echo').searchParams.get('delay');
      const delayMs = delay ? goDurationMs(delay) : 0;
      if (delayMs === undefined) {
        res
          .writeHead(500, { 'Content-Type': 'application/json' })
          .end(JSON.stringify({ error: 'bad delay' }));
        return;
      }
      if (delayMs > 0) {
        const timer = setTimeout(() => answer(req, res), delayMs);
        res.once('close', () => clearTimeout(timer));
        return;
      }
      answer(req, res);
    });
  });
  const answer = (req: IncomingMessage, res: ServerResponse) => {
    setEchoHeaders(res, req);
    const body = JSON.stringify(echoBasicReply(req, context), null, ' ');
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.writeHead(200).end(body);
  };
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, options.host, () => resolve());
  });
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return {
    url: `http://${options.host}:${bound}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
