/**
 * One simulated Kong node (DB-less) on loopback: the Admin API endpoints the controller touches, Kong's
 * `POST /config` semantics (kong-admin-api.md §1–§5, §14) and fault injection.
 */
import { randomUUID } from 'node:crypto';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { configHash, EMPTY_CONFIG_HASH } from '../config-hash.ts';
import {
  type FlattenedEntities,
  type KongEdition,
  kongMinor,
  type RouterFlavor,
  validateDeclarativeConfig,
} from '../validate/index.ts';
import { nestedCollection, topLevelCollection } from './admin-collections.ts';
import { contentTypeFilter, decodeConfigRequest } from './config-request.ts';
import { type DataPlaneOptions, startDataPlane } from './dataplane/index.ts';
import { exportConfig } from './export.ts';
import { nginxErrorPage, readBody, sendJson } from './http-util.ts';
import { availableOnServer, proxyListeners } from './node-info.ts';
import { availablePlugins, pluginSchemaJson } from './plugin-schema-json.ts';

export interface TlsOptions {
  /** PEM server certificate (chain). */
  cert: string | Buffer;
  /** PEM server key. */
  key: string | Buffer;
  /** PEM CA bundle: when set, clients must present a certificate it signed (nginx `ssl_verify_client on`). */
  clientCa?: string | Buffer;
}

export interface SimulatedProxyOptions {
  /** Identifier used by the fleet and the control API. @defaultValue `proxy-<port>` */
  id?: string;
  /** @defaultValue '127.0.0.1' */
  host?: string;
  /** @defaultValue 0 (a free port) */
  port?: number;
  tls?: TlsOptions;
  /** Reported by `GET /` and used to pick schemas. @defaultValue '3.9.1' */
  kongVersion?: string;
  /** @defaultValue 'traditional_compatible' */
  routerFlavor?: RouterFlavor;
  /** @defaultValue 'community' */
  edition?: KongEdition;
  /** How long a load holds the node-wide lock (steps 8–9 of §2.3). @defaultValue 20 */
  loadDurationMs?: number;
  /**
   * Validate every posted config as Kong would. `false` accepts any config without parsing or validating a
   * text one and only records its hash, so a benchmark can grow the fleet and the config without measuring
   * the simulator; the Admin API then serves no entities. @defaultValue true
   */
  validate?: boolean;
  /** `Retry-After` sent with 429 (Kong: min(remaining lock TTL, 10)). @defaultValue 10 */
  retryAfterSeconds?: number;
  /** nginx `client_max_body_size`. @defaultValue 10 MiB */
  maxBodyBytes?: number;
  /** Proxy and Status API listeners serving the loaded config (see README "Data plane"). @defaultValue none */
  dataPlane?: DataPlaneOptions;
}

export interface ProxyState {
  id: string;
  up: boolean;
  configurationHash: string;
  /** The flattened entities currently loaded (empty after a restart). */
  config: FlattenedEntities;
  entityCount: number;
  requestCount: number;
  configPushes: number;
  version: string;
  nodeId: string;
  loading: boolean;
}

export interface ProxyFaults {
  /** Delay every request by `ms` before handling it. */
  setLatency(ms: number): void;
  /** Answer the next `count` requests with `status` (JSON body). */
  failNext(count: number, status: number): void;
  /** Destroy the connection of the next `count` requests without answering. */
  dropNext(count: number): void;
  /** A fresh pod: config lost (the data plane answers 404), hash back to zeros, counters and metrics reset, new node id. */
  restart(): void;
  /** Network outage: close the admin and data-plane listeners and open sockets; the config is kept. */
  down(): Promise<void>;
  /** Listen again on the same ports. */
  up(): Promise<void>;
  /** What `GET /` reports (e.g. an old, unsupported Kong). */
  setVersion(version: string): void;
}

export interface SimulatedProxy {
  readonly id: string;
  readonly adminUrl: string;
  readonly port: number;
  /** The data plane's listeners, when `dataPlane` asked for them. */
  readonly proxyUrl?: string;
  readonly proxyTlsUrl?: string;
  readonly statusUrl?: string;
  readonly faults: ProxyFaults;
  /**
   * New Admin API TLS material for new connections, as `kong reload` after its certificate Secret
   * changed (nginx's old workers finish the open connections). Only for a node started with `tls`.
   */
  setTls(tls: TlsOptions): void;
  state(): ProxyState;
  stop(): Promise<void>;
}

interface Counters {
  accepted: number;
  handled: number;
  totalRequests: number;
  writing: number;
}

const JSON_HEADERS_NOT_FOUND = { message: 'Not found' };

/** Starts one simulated node; resolves once it listens. */
export async function startSimulatedProxy(options: SimulatedProxyOptions = {}): Promise<SimulatedProxy> {
  const host = options.host ?? '127.0.0.1';
  const loadDurationMs = options.loadDurationMs ?? 20;
  const retryAfter = options.retryAfterSeconds ?? 10;
  const maxBody = options.maxBodyBytes ?? 10 * 1024 * 1024;
  const flavor = options.routerFlavor ?? 'traditional_compatible';
  const edition = options.edition ?? 'community';
  const tls = options.tls;

  let version = options.kongVersion ?? '3.9.1';
  let nodeId = randomUUID();
  let hash = EMPTY_CONFIG_HASH;
  let entities: FlattenedEntities = {};
  let entityCount = 0;
  let loading = false;
  let pushes = 0;
  let latencyMs = 0;
  let failRemaining = 0;
  let failStatus = 500;
  let dropRemaining = 0;
  let counters: Counters = { accepted: 0, handled: 0, totalRequests: 0, writing: 0 };
  const sockets = new Set<Socket>();

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    counters.totalRequests++;
    counters.writing++;
    res.on('close', () => counters.writing--);
    const go = () => {
      handle(req, res).catch(() => {
        if (!res.headersSent) sendJson(res, 500, { message: 'An unexpected error occurred' });
      });
    };
    if (latencyMs > 0) setTimeout(go, latencyMs);
    else go();
  };

  const server: Server = tls
    ? createHttpsServer(
        {
          cert: tls.cert,
          key: tls.key,
          ...(tls.clientCa ? { ca: tls.clientCa, requestCert: true, rejectUnauthorized: false } : {}),
        },
        handler,
      )
    : createHttpServer(handler);
  server.keepAliveTimeout = 60_000;
  server.on(tls ? 'secureConnection' : 'connection', (socket: Socket) => {
    counters.accepted++;
    counters.handled++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (dropRemaining > 0) {
      dropRemaining--;
      req.socket.destroy();
      return;
    }
    if (tls?.clientCa) {
      const socket = req.socket as TLSSocket;
      const peer = socket.getPeerCertificate();
      const refusal =
        !peer || Object.keys(peer).length === 0
          ? 'No required SSL certificate was sent'
          : socket.authorized
            ? undefined
            : 'The SSL certificate error';
      if (refusal) {
        const page = nginxErrorPage(400, 'Bad Request', refusal);
        res.writeHead(400, {
          'Content-Type': 'text/html',
          'Content-Length': Buffer.byteLength(page),
          Connection: 'close',
        });
        res.end(page);
        return;
      }
    }
    if (failRemaining > 0) {
      failRemaining--;
      sendJson(res, failStatus, { message: `injected failure (${failStatus})` });
      return;
    }
    const started = Date.now();
    const headers = {
      Server: `kong/${version}`,
      'Access-Control-Allow-Origin': req.headers.origin ?? '*',
      'Access-Control-Allow-Credentials': 'true',
      'X-Kong-Admin-Latency': '0',
    };
    const url = new URL(req.url ?? '/', 'http://kong');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');

    if (method === 'POST' || method === 'PUT' || method === 'PATCH') {
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > maxBody) return tooLarge(req, res);
      const body = await readBody(req, maxBody);
      if (!body) return tooLarge(req, res);
      const refused = contentTypeFilter(
        req.headersDistinct['content-type'] ?? [],
        body.length,
        path === '/config',
      );
      if (refused) {
        if (refused.text) {
          res.writeHead(refused.status, {
            ...headers,
            'Content-Type': 'text/plain',
            'Content-Length': Buffer.byteLength(refused.text),
          });
          res.end(refused.text);
        } else {
          res.writeHead(refused.status, { ...headers, 'Content-Length': 0 });
          res.end();
        }
        return;
      }
      if (path === '/config' && method === 'POST') return postConfig(req, res, url, body, headers);
      const [, collectionName, entityId] = path.split('/');
      const collection = topLevelCollection(collectionName ?? '', kongMinor(version));
      // Kong 3.10 (15-off_spec.lua:159, :190): POST on a collection and PUT/PATCH on an entity are the
      // "operation unsupported" refusals; the other verbs have no route and answer "Method not allowed".
      const unsupported = entityId === undefined ? method === 'POST' : method !== 'POST';
      if (collection && unsupported) {
        return sendJson(
          res,
          405,
          {
            code: 12,
            name: 'operation unsupported',
            message: `cannot create${method === 'POST' ? '' : ' or update'} '${collection}' entities when not using a database`,
          },
          headers,
        );
      }
      if (collection) return sendJson(res, 405, { message: 'Method not allowed' }, headers);
      return sendJson(
        res,
        path === '/config' ? 405 : 404,
        path === '/config' ? { message: 'Method not allowed' } : JSON_HEADERS_NOT_FOUND,
        headers,
      );
    }
    if (method === 'OPTIONS') {
      res.writeHead(204, {
        ...headers,
        Allow: 'GET, HEAD, OPTIONS',
        'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
      });
      res.end();
      return;
    }
    if (method !== 'GET') return sendJson(res, 405, { message: 'Method not allowed' }, headers);
    headers['X-Kong-Admin-Latency'] = String(Date.now() - started);
    switch (path) {
      case '/':
        return sendJson(res, 200, rootDocument(), headers);
      case '/status':
        return sendJson(res, 200, statusDocument(), headers);
      case '/status/ready':
        return hash === EMPTY_CONFIG_HASH
          ? sendJson(
              res,
              503,
              { message: 'no configuration available (empty configuration present)' },
              headers,
            )
          : sendJson(res, 200, { message: 'ready' }, headers);
      case '/config':
        return sendJson(res, 200, { config: exportConfig(entities) }, headers);
    }
    const [, segment, id, nested] = path.split('/');
    if (segment === 'schemas' && id === 'plugins' && nested !== undefined) {
      const name = decodeURIComponent(nested);
      const schema = pluginSchemaJson(name, { kongVersion: version, routerFlavor: flavor, edition });
      return schema
        ? sendJson(res, 200, schema, headers)
        : sendJson(res, 404, { message: `No plugin named '${name}'` }, headers);
    }
    const minor = kongMinor(version);
    const collection = segment ? topLevelCollection(segment, minor) : undefined;
    if (segment && collection) {
      const byId = entities[collection] ?? {};
      if (id === undefined) {
        const offset = url.searchParams.get('offset');
        // The simulator never pages (`next` is always null), so no offset it could be given is one it issued.
        if (offset !== null) return sendJson(res, 400, invalidOffset(offset), headers);
        return sendJson(res, 200, { data: Object.values(byId), next: null }, headers);
      }
      const found = byId[id] ?? Object.values(byId).find((e) => e.name === id || e.username === id);
      if (!found) return sendJson(res, 404, JSON_HEADERS_NOT_FOUND, headers);
      if (nested === undefined) return sendJson(res, 200, found, headers);
      // `/upstreams/{upstream}/targets` and the like: the children whose foreign key names this entity.
      const child = nestedCollection(segment, nested, minor);
      if (!child) return sendJson(res, 404, JSON_HEADERS_NOT_FOUND, headers);
      const parentKey = collection.replace(/s$/, '');
      const children = Object.values(entities[child] ?? {}).filter(
        (e) => (e[parentKey] as { id?: unknown } | null)?.id === found.id,
      );
      return sendJson(res, 200, { data: children, next: null }, headers);
    }
    return sendJson(res, 404, JSON_HEADERS_NOT_FOUND, headers);
  }

  function tooLarge(req: IncomingMessage, res: ServerResponse): void {
    const page = nginxErrorPage(413, 'Request Entity Too Large');
    res.writeHead(413, {
      'Content-Type': 'text/html',
      'Content-Length': Buffer.byteLength(page),
      Connection: 'close',
    });
    res.end(page);
    req.resume();
  }

  async function postConfig(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    body: Buffer,
    headers: Record<string, string>,
  ): Promise<void> {
    // Hash only: a text config is hashed, never parsed (parsing 500 copies of a 5 MB text is the simulator's
    // cost, not the controller's).
    const decoded = decodeConfigRequest(req.headers['content-type'], url.searchParams, body, {
      parseText: options.validate !== false,
    });
    if (decoded.kind === 'response') {
      if (decoded.text !== undefined) {
        res.writeHead(decoded.status, { ...headers, 'Content-Type': 'text/plain' });
        res.end(decoded.text);
        return;
      }
      return sendJson(res, decoded.status, decoded.body, headers);
    }
    // Parsing happens before the 304 comparison (§2.3 steps 3–4), so an unparsable text is always a 400.
    if (decoded.kind === 'parse-error') {
      const fields = { error: `failed parsing declarative configuration: ${decoded.message}` };
      return sendJson(
        res,
        400,
        {
          code: 14,
          name: 'invalid declarative configuration',
          message: `declarative config is invalid: {error="${fields.error}"}`,
          fields,
        },
        headers,
      );
    }
    if (decoded.checkHash && decoded.hash !== undefined && decoded.hash === hash) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    const result =
      options.validate === false
        ? ({ ok: true, entities: {}, entityCount: 1, meta: decoded.config } as const)
        : validateDeclarativeConfig(decoded.config, {
            kongVersion: version,
            routerFlavor: flavor,
            edition,
            flattenErrors: decoded.flattenErrors,
          });
    if (!result.ok) return sendJson(res, 400, result.error, headers);
    if (loading) {
      return sendJson(
        res,
        429,
        { message: 'Currently loading previous configuration' },
        { ...headers, 'Retry-After': String(retryAfter) },
      );
    }
    loading = true;
    try {
      await new Promise((resolve) => setTimeout(resolve, loadDurationMs));
      const newHash =
        result.entityCount === 0
          ? EMPTY_CONFIG_HASH
          : (decoded.hash ?? configHash(JSON.stringify([result.entities, result.meta])));
      entities = result.entities;
      entityCount = result.entityCount;
      hash = newHash;
      pushes++;
    } finally {
      loading = false;
    }
    sendJson(res, 201, result.entities, headers);
  }

  function rootDocument() {
    const enabled = new Set<string>();
    for (const plugin of Object.values(entities.plugins ?? {})) enabled.add(String(plugin.name));
    return {
      tagline: 'Welcome to kong',
      version,
      edition: edition === 'enterprise' ? 'enterprise' : 'community',
      hostname: `kong-sim-${port}`,
      node_id: nodeId,
      timers: { running: 0, pending: 5 },
      plugins: {
        available_on_server: availableOnServer(
          availablePlugins({ kongVersion: version, routerFlavor: flavor, edition }),
          version,
        ),
        enabled_in_cluster: [...enabled],
      },
      lua_version: 'LuaJIT 2.1.0-20231117',
      configuration: {
        database: 'off',
        router_flavor: flavor,
        plugins: ['bundled'],
        admin_listen: [`${host}:${port}${tls ? ' ssl' : ''}`],
        proxy_listeners: proxyListeners(host, {
          http: dataPlanePort(dataPlane?.proxyUrl),
          https: dataPlanePort(dataPlane?.proxyTlsUrl),
        }),
        // `stream_listen = off` (Kong's default): the simulator serves no stream routes.
        stream_listeners: [],
      },
      pids: { master: process.pid, workers: [process.pid] },
    };
  }

  function statusDocument() {
    const active = sockets.size;
    const writing = Math.max(0, Math.min(counters.writing, active));
    return {
      memory: {
        workers_lua_vms: [
          { http_allocated_gc: `${(entityCount * 0.002 + 20).toFixed(2)} MiB`, pid: process.pid },
        ],
        lua_shared_dicts: {
          kong: { allocated_slabs: '0.04 MiB', capacity: '5.00 MiB' },
          kong_db_cache: {
            allocated_slabs: `${(entityCount * 0.001 + 0.8).toFixed(2)} MiB`,
            capacity: '128.00 MiB',
          },
        },
      },
      server: {
        total_requests: counters.totalRequests,
        connections_active: active,
        connections_accepted: counters.accepted,
        connections_handled: counters.handled,
        connections_reading: 0,
        connections_writing: writing,
        connections_waiting: active - writing,
      },
      configuration_hash: hash,
    };
  }

  let port = options.port ?? 0;
  let up = false;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        const address = server.address();
        if (address && typeof address === 'object') port = address.port;
        up = true;
        resolve();
      });
    });
  const close = () =>
    new Promise<void>((resolve) => {
      if (!up) return resolve();
      up = false;
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
  await listen();
  const id = options.id ?? `proxy-${port}`;
  const scheme = tls ? 'https' : 'http';
  const dataPlane = options.dataPlane
    ? await startDataPlane(options.dataPlane, {
        host,
        routerFlavor: flavor,
        version: () => version,
        nodeId: () => nodeId,
        entities: () => entities,
        ready: () => hash !== EMPTY_CONFIG_HASH,
        statusDocument,
      }).catch(async (err) => {
        await close();
        throw err;
      })
    : undefined;

  return {
    id,
    port,
    adminUrl: `${scheme}://${host}:${port}`,
    ...(dataPlane?.proxyUrl ? { proxyUrl: dataPlane.proxyUrl } : {}),
    ...(dataPlane?.proxyTlsUrl ? { proxyTlsUrl: dataPlane.proxyTlsUrl } : {}),
    ...(dataPlane?.statusUrl ? { statusUrl: dataPlane.statusUrl } : {}),
    faults: {
      setLatency: (ms) => {
        latencyMs = Math.max(0, ms);
      },
      failNext: (count, status) => {
        failRemaining = count;
        failStatus = status;
      },
      dropNext: (count) => {
        dropRemaining = count;
      },
      restart: () => {
        hash = EMPTY_CONFIG_HASH;
        entities = {};
        entityCount = 0;
        nodeId = randomUUID();
        counters = { accepted: 0, handled: 0, totalRequests: 0, writing: 0 };
        for (const socket of sockets) socket.destroy();
        dataPlane?.restart();
      },
      down: async () => {
        await Promise.all([close(), dataPlane?.down()]);
      },
      up: async () => {
        if (!up) await listen();
        await dataPlane?.up();
      },
      setVersion: (v) => {
        version = v;
      },
    },
    setTls: (next) => {
      if (!tls) throw new Error(`${id} serves no TLS`);
      (server as HttpsServer).setSecureContext({
        cert: next.cert,
        key: next.key,
        ...(next.clientCa ? { ca: next.clientCa } : {}),
      });
    },
    state: () => ({
      id,
      up,
      configurationHash: hash,
      config: entities,
      entityCount,
      requestCount: counters.totalRequests,
      configPushes: pushes,
      version,
      nodeId,
      loading,
    }),
    stop: async () => {
      await Promise.all([close(), dataPlane?.stop()]);
    },
  };
}

const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

/** Kong's 400 for a `?offset=` it cannot use (code 7, kong/db/errors.lua INVALID_OFFSET). */
function invalidOffset(offset: string) {
  const reason = offset.length % 4 === 1 || !BASE64_RE.test(offset) ? 'bad base64 encoding' : 'unknown page';
  return { code: 7, name: 'invalid offset', message: `'${offset}' is not a valid offset: ${reason}` };
}

/** The port of a data-plane URL, undefined when there is no such listener. */
function dataPlanePort(url: string | undefined): number | undefined {
  return url === undefined ? undefined : Number(new URL(url).port);
}
