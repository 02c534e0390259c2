/** Picks the route for a request the way the node's `router_flavor` does. */
import type { IncomingHttpHeaders } from 'node:http';
import type { KongEntity, RouterFlavor } from '../../../validate/index.ts';
import { compileClassicRouter } from './classic.ts';
import { compileExpressionsRouter } from './expressions.ts';

/** What a router looks at: the fields of Kong's router (`http.*`, `tls.sni`, `net.*`). */
export interface RequestFacts {
  protocol: 'http' | 'https';
  method: string;
  /** Host header, lower-cased, without port (nginx `$host`). */
  host: string;
  /** The port the request came in on (`net.dst.port`). */
  port: number;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** TLS server name (https only). */
  sni?: string;
  clientIp: string;
}

export interface RouteMatch {
  route: KongEntity;
  /** The leading part of the path the route's path matched (a prefix, or a regex's whole match): what `strip_path` removes. */
  matchedPath?: string;
}

export interface Router {
  match(facts: RequestFacts): RouteMatch | undefined;
}

export function compileRouter(routes: KongEntity[], flavor: RouterFlavor): Router {
  return flavor === 'expressions' ? compileExpressionsRouter(routes) : compileClassicRouter(routes, flavor);
}

/** All values of a request header (node joins repeats of most headers with ', '; Kong sees each value). */
export function headerValues(headers: IncomingHttpHeaders, name: string): string[] {
  const value = headers[name.toLowerCase()];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Kong's "regex magic": a path starting with `~` is a regex (anchored at the start, as the router does). */
export function pathRegex(path: string): RegExp {
  return new RegExp(`^(?:${path.slice(1)})`);
}

/** Ties between equal priorities: oldest first, then by id (deterministic, like the ATC router's uuid order). */
export function byAgeThenId(a: KongEntity, b: KongEntity): number {
  const ca = Number(a.created_at ?? 0);
  const cb = Number(b.created_at ?? 0);
  if (ca !== cb) return ca - cb;
  return String(a.id) < String(b.id) ? -1 : String(a.id) > String(b.id) ? 1 : 0;
}
