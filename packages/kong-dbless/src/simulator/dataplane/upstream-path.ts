/**
 * The path sent upstream: the service's path joined with what is left of the request path, per the route's
 * `strip_path` and `path_handling` (v0: kong/router/utils.lua `get_upstream_uri`; v1: the Kong 1.x joining,
 * which treats the service path as a plain prefix).
 */

/** Kong's `sanitize_uri_postfix`: a stripped remainder never starts with `.`/`..` segments. */
function sanitizePostfix(postfix: string): string {
  if (postfix === '.' || postfix === '..') return '';
  if (postfix.startsWith('./')) return postfix.slice(2);
  if (postfix.startsWith('../')) return postfix.slice(3);
  return postfix;
}

export interface UpstreamPathInput {
  /** The request path (no query). */
  requestPath: string;
  /** `service.path`, null when unset. */
  servicePath: string | null;
  stripPath: boolean;
  pathHandling: 'v0' | 'v1';
  /** The part of the request path the route matched (prefix or regex match). */
  matchedPath?: string;
}

export function upstreamPath(input: UpstreamPathInput): string {
  const base = input.servicePath ?? '/';
  const req = input.requestPath;
  const strip = input.stripPath && input.matchedPath !== undefined;
  const postfix = strip ? sanitizePostfix(req.slice(input.matchedPath!.length)) : '';
  if (input.pathHandling === 'v1') {
    let uri: string;
    if (base.endsWith('/')) {
      if (strip) uri = base + (postfix.startsWith('/') ? postfix.slice(1) : postfix);
      else uri = base + req.slice(1);
    } else uri = strip ? base + postfix : base + req;
    return uri === '' ? '/' : uri;
  }
  if (base.endsWith('/')) {
    if (!strip) return base + req.slice(1);
    if (postfix === '') return base === '/' ? '/' : req.endsWith('/') ? base : base.slice(0, -1);
    return postfix.startsWith('/') ? base.slice(0, -1) + postfix : base + postfix;
  }
  if (!strip) return req === '/' ? base : base + req;
  if (postfix === '') return req.length > 1 && req.endsWith('/') ? `${base}/` : base;
  return postfix.startsWith('/') ? base + postfix : `${base}/${postfix}`;
}
