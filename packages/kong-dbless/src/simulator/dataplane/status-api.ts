/**
 * Kong's Status API listener (`status_listen`): `GET /status`, `GET /status/ready` (200 once a non-empty
 * config is loaded) and `GET /metrics` (the Prometheus exposition, kong/plugins/prometheus/status_api.lua).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../http-util.ts';
import { parseTarget } from './balancer.ts';
import type { CompiledConfig } from './compiled-config.ts';
import type { ConnectionStats } from './listener.ts';
import type { Gauge, RequestMetrics } from './metrics.ts';

export interface StatusDeps {
  version(): string;
  nodeId(): string;
  ready(): boolean;
  statusDocument(): unknown;
  config(): CompiledConfig;
  metrics(): RequestMetrics;
  /** Connection counters of the proxy listeners, summed. */
  connections(): ConnectionStats;
}

export function statusRequestHandler(deps: StatusDeps) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const headers = { Server: `kong/${deps.version()}` };
    const path = new URL(req.url ?? '/', 'http://kong').pathname.replace(/\/+$/, '') || '/';
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return sendJson(res, 405, { message: 'Method not allowed' }, headers);
    switch (path) {
      case '/status':
        return sendJson(res, 200, deps.statusDocument(), headers);
      case '/status/ready':
        return deps.ready()
          ? sendJson(res, 200, { message: 'ready' }, headers)
          : sendJson(
              res,
              503,
              { message: 'no configuration available (empty configuration present)' },
              headers,
            );
      case '/metrics': {
        const text = deps.metrics().render(gauges(deps));
        res.writeHead(200, {
          ...headers,
          'Content-Type': 'text/plain; charset=UTF-8',
          'Content-Length': Buffer.byteLength(text),
        });
        res.end(text);
        return;
      }
      default:
        return sendJson(res, 404, { message: 'Not found' }, headers);
    }
  };
}

function gauges(deps: StatusDeps): Gauge[] {
  const c = deps.connections();
  const node = { node_id: deps.nodeId(), subsystem: 'http' };
  const waiting = Math.max(0, c.active - c.writing);
  const states: Array<[string, number]> = [
    ['accepted', c.accepted],
    ['active', c.active],
    ['handled', c.handled],
    ['reading', 0],
    ['total', c.totalRequests],
    ['waiting', waiting],
    ['writing', c.writing],
  ];
  const config = deps.config();
  const health: Gauge['samples'] = [];
  for (const upstream of config.upstreamsByName.values()) {
    for (const target of config.targetsByUpstream.get(String(upstream.id)) ?? []) {
      const peer = parseTarget(String(target.target));
      // No health checks run in the simulator: every target reports `healthchecks_off`, as Kong's default.
      for (const state of ['healthchecks_off', 'healthy', 'unhealthy', 'dns_error'])
        health.push({
          labels: {
            upstream: String(upstream.name),
            target: peer.target,
            address: `${peer.host}:${peer.port}`,
            state,
            subsystem: 'http',
          },
          value: state === 'healthchecks_off' ? 1 : 0,
        });
    }
  }
  return [
    {
      name: 'kong_datastore_reachable',
      help: 'Datastore reachable from Kong, 0 is unreachable',
      samples: [{ labels: {}, value: 1 }],
    },
    {
      name: 'kong_node_info',
      help: 'Kong Node metadata information',
      samples: [{ labels: { node_id: deps.nodeId(), version: deps.version() }, value: 1 }],
    },
    {
      name: 'kong_nginx_connections_total',
      help: 'Number of connections by subsystem',
      samples: states.map(([state, value]) => ({ labels: { ...node, state }, value })),
    },
    {
      name: 'kong_nginx_requests_total',
      help: 'Number of requests total',
      samples: [{ labels: node, value: c.totalRequests }],
    },
    {
      name: 'kong_upstream_target_health',
      help: 'Health status of targets of upstream. States = healthchecks_off|healthy|unhealthy|dns_error, value is 1 when state is populated.',
      samples: health,
    },
  ];
}
