/**
 * One request on a proxy listener, as Kong handles it: route → access-phase plugins → balancer → upstream,
 * Kong's own answers when any step refuses, Kong's response headers, and one metrics record per request.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { readBody } from '../http-util.ts';
import type { CompiledConfig } from './compiled-config.ts';
import { refId } from './compiled-config.ts';
import { forward } from './forward.ts';
import type { RequestMetrics } from './metrics.ts';
import { type AccessContext, type AccessPhase, type Exit, transformResponse } from './plugins/index.ts';
import { requestFacts } from './request-facts.ts';
import { upstreamPath } from './upstream-path.ts';
import { peerSource, upstreamHost } from './upstream-peer.ts';

export interface ProxyDeps {
  config(): CompiledConfig;
  version(): string;
  access: AccessPhase;
  metrics(): RequestMetrics;
  now(): number;
}

/** Headers that belong to one hop (RFC 9110 §7.6.1) and never cross the proxy. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
]);

const MAX_BODY = 10 * 1024 * 1024;

function withoutHopByHop(headers: IncomingMessage['headers']): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  return out;
}

export function proxyRequestHandler(
  deps: ProxyDeps,
  listener: { protocol: 'http' | 'https'; port: () => number },
) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    handle(deps, listener, req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  };
}

async function handle(
  deps: ProxyDeps,
  listener: { protocol: 'http' | 'https'; port: () => number },
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const started = deps.now();
  const requestId = randomBytes(16).toString('hex');
  const facts = requestFacts(req, listener.protocol, listener.port());
  const config = deps.config();
  const read = await readBody(req, MAX_BODY);
  const body = read ?? Buffer.alloc(0);
  const ingressBytes =
    req.rawHeaders.reduce((n, h) => n + Buffer.byteLength(h) + 2, 0) + (req.url?.length ?? 0) + body.length;

  // Kong's own answers: JSON (kong.response.error) or a plugin's raw body (kong.response.exit).
  const answer = (
    exit: Exit,
    extra: Record<string, string> = {},
    transform?: (headers: Record<string, string | string[]>) => void,
  ) => {
    const text = 'message' in exit ? JSON.stringify({ message: exit.message }) : exit.body;
    const headers: Record<string, string | string[]> = {
      ...extra,
      ...exit.headers,
      'Content-Type': 'message' in exit ? 'application/json; charset=utf-8' : exit.contentType,
      'Content-Length': String(Buffer.byteLength(text)),
      'X-Kong-Response-Latency': String(deps.now() - started),
      Server: `kong/${deps.version()}`,
      'X-Kong-Request-Id': requestId,
    };
    if (!transform) {
      res.writeHead(exit.status, headers);
      res.end(req.method === 'HEAD' ? undefined : text);
      return;
    }
    // Transformers see lower-case names, as every header of a proxied answer.
    const lower = Object.fromEntries(
      Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]),
    );
    transform(lower);
    res.writeHead(exit.status, lower);
    res.end(req.method === 'HEAD' ? undefined : text);
  };

  if (!read) return answer({ status: 413, message: 'Request size limit exceeded' }, { Connection: 'close' });
  const match = config.router.match(facts);
  if (!match) return answer({ status: 404, message: 'no Route matched with those values' });
  const { route } = match;
  const protocols = Array.isArray(route.protocols) ? route.protocols.map(String) : ['http', 'https'];
  if (!protocols.includes(facts.protocol)) {
    // An https-only route reached over plain http: Kong's `https_redirect_status_code`.
    const status = Number(route.https_redirect_status_code ?? 426);
    if (status === 426)
      return answer(
        { status, message: 'Please use HTTPS protocol' },
        { Connection: 'Upgrade', Upgrade: 'TLS/1.2, HTTP/1.1' },
      );
    const location = `https://${req.headers.host ?? facts.host}${req.url ?? '/'}`;
    return answer({ status, message: 'Moved' }, { Location: location });
  }
  const service = config.services.get(refId(route.service) ?? '');
  if (!service) return answer({ status: 503, message: 'no Service found with those values' });

  const ctx: AccessContext = {
    facts,
    config,
    route,
    service,
    upstreamHeaders: withoutHopByHop(req.headers),
    upstreamQuery: new URLSearchParams(facts.query),
    responseHeaders: {},
    now: deps.now,
  };
  const record = (code: number, source: 'service' | 'kong', egressBytes: number, upstreamMs?: number) => {
    const total = deps.now() - started;
    deps.metrics().record({
      service: String(service.name ?? service.host),
      route: String(route.name ?? route.id),
      consumer: typeof ctx.consumer?.username === 'string' ? ctx.consumer.username : '',
      code,
      source,
      ingressBytes,
      egressBytes,
      requestMs: total,
      ...(upstreamMs !== undefined ? { upstreamMs } : {}),
      kongMs: Math.max(0, total - (upstreamMs ?? 0)),
    });
  };
  // After routing, Kong's answers are counted (source "kong") and carry the plugins' response headers.
  const kongAnswer = (exit: Exit) => {
    const before = req.socket.bytesWritten;
    res.once('finish', () => record(exit.status, 'kong', req.socket.bytesWritten - before));
    // Kong's header_filter runs for its own answers too: response-transformer applies to them.
    answer(exit, ctx.responseHeaders, (headers) => transformResponse(ctx, headers));
  };

  const refused = deps.access.run(ctx);
  if (refused) return kongAnswer(refused);

  const query = ctx.upstreamQuery.toString();
  const stripPath = route.strip_path !== false;
  const path =
    (ctx.upstreamUri ??
      upstreamPath({
        requestPath: facts.path,
        servicePath: typeof service.path === 'string' ? service.path : null,
        stripPath,
        pathHandling: route.path_handling === 'v1' ? 'v1' : 'v0',
        ...(match.matchedPath !== undefined ? { matchedPath: match.matchedPath } : {}),
      })) + (query ? `?${query}` : '');
  const upstreamProtocol = service.protocol === 'https' ? 'https' : 'http';
  const forwardedFor = req.headers['x-forwarded-for'];
  const headers: OutgoingHttpHeaders = {
    ...ctx.upstreamHeaders,
    'x-forwarded-for': forwardedFor ? `${forwardedFor}, ${facts.clientIp}` : facts.clientIp,
    'x-forwarded-proto': facts.protocol,
    'x-forwarded-host': facts.host,
    'x-forwarded-port': String(facts.port),
    'x-forwarded-path': facts.path,
    'x-real-ip': facts.clientIp,
    'x-kong-request-id': requestId,
    'content-length': String(body.length),
  };
  if (stripPath && match.matchedPath) headers['x-forwarded-prefix'] = match.matchedPath;
  if (body.length === 0 && !('content-length' in req.headers)) delete headers['content-length'];

  const peers = peerSource(config, service);
  const attempts = 1 + Math.max(0, Number(service.retries ?? 5));
  let failure: 'connect' | 'timeout' | 'invalid' = 'connect';
  for (let attempt = 0; attempt < attempts; attempt++) {
    const peer = peers.next();
    if (!peer) return kongAnswer({ status: 503, message: 'failure to get a peer from the ring-balancer' });
    headers.host =
      ctx.upstreamHost ??
      upstreamHost({
        preserveHost: route.preserve_host === true,
        clientHost: req.headers.host,
        ...(peers.upstream ? { upstream: peers.upstream } : {}),
        peer,
        protocol: upstreamProtocol,
      });
    const upstreamStarted = deps.now();
    const result = await forward({
      protocol: upstreamProtocol,
      host: peer.host,
      port: peer.port,
      method: facts.method,
      path,
      headers,
      body,
      connectTimeoutMs: Number(service.connect_timeout ?? 60_000),
      readTimeoutMs: Number(service.read_timeout ?? 60_000),
    });
    if (!result.ok) {
      failure = result.failure;
      // Kong retries only failures to connect; a timeout or a broken answer ends the request.
      if (failure === 'connect') continue;
      break;
    }
    const upstreamMs = deps.now() - upstreamStarted;
    const response = result.response;
    const out: Record<string, string | string[]> = withoutHopByHop(response.headers);
    Object.assign(out, ctx.responseHeaders, {
      via: `1.1 kong/${deps.version()}`,
      'x-kong-upstream-latency': String(upstreamMs),
      'x-kong-proxy-latency': String(Math.max(0, upstreamStarted - started)),
      'x-kong-request-id': requestId,
    });
    transformResponse(ctx, out);
    const before = req.socket.bytesWritten;
    res.once('finish', () =>
      record(response.statusCode ?? 502, 'service', req.socket.bytesWritten - before, upstreamMs),
    );
    res.writeHead(response.statusCode ?? 502, out);
    response.pipe(res);
    response.on('error', () => res.destroy());
    return;
  }
  if (failure === 'timeout') return kongAnswer({ status: 504, message: 'The upstream server is timed out' });
  return kongAnswer({ status: 502, message: 'An invalid response was received from the upstream server' });
}
