/**
 * The data plane of one simulated node: proxy listeners (http, https) that serve traffic from the config the
 * node has loaded, and the Status API listener. Started beside the admin listener, on the same host; each
 * listener only when its port is given (0 = a free port).
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { FlattenedEntities, RouterFlavor } from '../../validate/index.ts';
import { compileConfig } from './compiled-config.ts';
import { type ConnectionStats, type Listener, startListener } from './listener.ts';
import { RequestMetrics } from './metrics.ts';
import { accessPhase, RateLimitCounters } from './plugins/index.ts';
import { proxyRequestHandler } from './proxy-request.ts';
import { secureContextForName } from './sni-certificates.ts';
import { statusRequestHandler } from './status-api.ts';

export interface DataPlaneOptions {
  /** Proxy listener, plain http (Kong: 8000). */
  httpPort?: number;
  /** Proxy listener, TLS (Kong: 8443); needs `tls`. */
  httpsPort?: number;
  /** Status API listener with `/status`, `/status/ready`, `/metrics` (Kong: 8100). */
  statusPort?: number;
  /** Certificate served by the https proxy listener (PEM). */
  tls?: { cert: string; key: string };
}

/** What the data plane reads from its node; functions, since the node's state changes under it. */
export interface DataPlaneNode {
  host: string;
  routerFlavor: RouterFlavor;
  version(): string;
  nodeId(): string;
  entities(): FlattenedEntities;
  /** A non-empty config is loaded. */
  ready(): boolean;
  statusDocument(): unknown;
}

export interface DataPlane {
  readonly proxyUrl?: string;
  readonly proxyTlsUrl?: string;
  readonly statusUrl?: string;
  /** Close every listener (connections refused); counters are kept. */
  down(): Promise<void>;
  /** Listen again on the same ports. */
  up(): Promise<void>;
  /** A fresh process: open connections dropped; metrics, rate-limit windows and connection counters from zero. */
  restart(): void;
  stop(): Promise<void>;
}

export async function startDataPlane(options: DataPlaneOptions, node: DataPlaneNode): Promise<DataPlane> {
  let metrics = new RequestMetrics();
  let counters = new RateLimitCounters();
  const config = () => compileConfig(node.entities(), node.routerFlavor);
  const access = accessPhase(() => counters);
  const proxyListeners: Listener[] = [];
  const listeners: Listener[] = [];
  const deps = { config, version: node.version, access, metrics: () => metrics, now: () => Date.now() };

  const add = async (server: Server, port: number, scheme: 'http' | 'https', proxy: boolean) => {
    const listener = await startListener(server, { host: node.host, port, scheme });
    listeners.push(listener);
    if (proxy) proxyListeners.push(listener);
    return listener;
  };
  let proxy: Listener | undefined;
  let proxyTls: Listener | undefined;
  let status: Listener | undefined;
  try {
    if (options.httpPort !== undefined) {
      const server = createHttpServer();
      proxy = await add(server, options.httpPort, 'http', true);
      const port = proxy.port;
      server.on('request', proxyRequestHandler(deps, { protocol: 'http', port: () => port }));
    }
    if (options.httpsPort !== undefined) {
      if (!options.tls) throw new Error('dataPlane.httpsPort needs dataPlane.tls (cert and key)');
      const server = createHttpsServer({
        cert: options.tls.cert,
        key: options.tls.key,
        // Kong serves the certificate of the config's SNI for the client's server name.
        SNICallback: (servername, done) => {
          try {
            done(null, secureContextForName(node.entities(), servername));
          } catch (err) {
            done(err as Error);
          }
        },
      });
      proxyTls = await add(server, options.httpsPort, 'https', true);
      const port = proxyTls.port;
      server.on('request', proxyRequestHandler(deps, { protocol: 'https', port: () => port }));
    }
    if (options.statusPort !== undefined) {
      const server = createHttpServer();
      status = await add(server, options.statusPort, 'http', false);
      server.on(
        'request',
        statusRequestHandler({
          version: node.version,
          nodeId: node.nodeId,
          ready: node.ready,
          statusDocument: node.statusDocument,
          config,
          metrics: () => metrics,
          connections: () => sumStats(proxyListeners.map((l) => l.stats())),
        }),
      );
    }
  } catch (err) {
    await Promise.all(listeners.map((l) => l.close()));
    throw err;
  }
  return {
    ...(proxy ? { proxyUrl: proxy.url } : {}),
    ...(proxyTls ? { proxyTlsUrl: proxyTls.url } : {}),
    ...(status ? { statusUrl: status.url } : {}),
    down: async () => {
      await Promise.all(listeners.map((l) => l.close()));
    },
    up: async () => {
      await Promise.all(listeners.map((l) => l.open()));
    },
    restart: () => {
      metrics = new RequestMetrics();
      counters = new RateLimitCounters();
      for (const l of listeners) {
        l.dropConnections();
        l.resetStats();
      }
    },
    stop: async () => {
      await Promise.all(listeners.map((l) => l.close()));
    },
  };
}

function sumStats(all: ConnectionStats[]): ConnectionStats {
  const sum = { accepted: 0, handled: 0, active: 0, totalRequests: 0, writing: 0 };
  for (const s of all) for (const k of Object.keys(sum) as Array<keyof ConnectionStats>) sum[k] += s[k];
  return sum;
}
