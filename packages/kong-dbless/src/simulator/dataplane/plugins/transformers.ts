/**
 * request-transformer (PRIORITY 801, access phase) and response-transformer (PRIORITY 800, header_filter
 * phase) on headers, as Kong's handlers order them: remove, replace (only headers present), add (only
 * headers absent), append (another value). request-transformer's `replace.uri` sets the upstream path
 * (query kept) and a `host` header sets the upstream Host. Its templates are the forms KIC writes for
 * HTTPRoute URLRewrite: `$(uri_captures[N])` and `$(uri_captures[N] == nil and "A" or ["B" ..] uri_captures[N])`,
 * the captures being those of the route's regex path that matched; any other `$(…)` is left as written.
 * Bodies, querystrings, `rename` and response `json` are not transformed (documented).
 */

import { pathRegex } from '../router/index.ts';
import type { AccessPlugin } from './context.ts';

type Headers = Record<string, string | string[]>;

const pairs = (section: unknown): Array<[string, string]> => {
  const list = (section as { headers?: unknown } | undefined)?.headers;
  if (!Array.isArray(list)) return [];
  return list.map((entry) => {
    const text = String(entry);
    const colon = text.indexOf(':');
    return colon < 0
      ? [text.toLowerCase(), '']
      : [text.slice(0, colon).trim().toLowerCase(), text.slice(colon + 1)];
  });
};
const names = (section: unknown): string[] => {
  const list = (section as { headers?: unknown } | undefined)?.headers;
  return Array.isArray(list) ? list.map((name) => String(name).trim().toLowerCase()) : [];
};

/** Applies remove, replace, add and append to `headers` (lower-case names), Kong's order. */
export function transformHeaders(config: Record<string, unknown>, headers: Headers): void {
  for (const name of names(config.remove)) delete headers[name];
  for (const [name, value] of pairs(config.replace)) if (name in headers) headers[name] = value;
  for (const [name, value] of pairs(config.add)) if (!(name in headers)) headers[name] = value;
  for (const [name, value] of pairs(config.append)) {
    const current = headers[name];
    headers[name] =
      current === undefined ? value : [...(Array.isArray(current) ? current : [current]), value];
  }
}

/**
 * The captures of the first regex of the route matching `path`: its regex `paths` (`~…`), or for the
 * expression router the `http.path ~ "…"` predicates of its `expression`.
 */
export function uriCaptures(
  route: { paths?: unknown; expression?: unknown },
  path: string,
): Array<string | undefined> {
  const regexes: RegExp[] = [];
  if (Array.isArray(route.paths))
    for (const candidate of route.paths.map(String))
      if (candidate.startsWith('~')) regexes.push(pathRegex(candidate));
  if (typeof route.expression === 'string')
    for (const [, literal] of route.expression.matchAll(/http\.path\s*~\s*"((?:[^"\\]|\\.)*)"/g))
      regexes.push(new RegExp(JSON.parse(`"${literal}"`) as string));
  for (const regex of regexes) {
    const m = regex.exec(path);
    if (m) return m.slice(1);
  }
  return [];
}

/** Renders KIC's two template forms over `captures` (1-based, as Lua's). */
export function renderUriTemplate(template: string, captures: ReadonlyArray<string | undefined>): string {
  return template
    .replace(
      /\$\(uri_captures\[(\d+)\] == nil and "([^"]*)" or (?:"([^"]*)" \.\. )?uri_captures\[(\d+)\]\)/g,
      (_, n: string, ifNil: string, before: string | undefined, m: string) => {
        const value = captures[Number(n) - 1];
        return value === undefined ? ifNil : (before ?? '') + (captures[Number(m) - 1] ?? '');
      },
    )
    .replace(/\$\(uri_captures\[(\d+)\]\)/g, (_, n: string) => captures[Number(n) - 1] ?? '');
}

export const requestTransformer: AccessPlugin = {
  name: 'request-transformer',
  priority: 801,
  access(config, ctx) {
    const headers: Headers = { ...ctx.upstreamHeaders };
    const host = ctx.upstreamHost ?? ctx.facts.headers.host;
    if (host !== undefined) headers.host = host;
    transformHeaders(config, headers);
    const newHost = headers.host;
    delete headers.host;
    for (const name of Object.keys(ctx.upstreamHeaders)) delete ctx.upstreamHeaders[name];
    Object.assign(ctx.upstreamHeaders, headers);
    if (typeof newHost === 'string' && newHost !== host) ctx.upstreamHost = newHost;
    const uri = (config.replace as { uri?: unknown } | undefined)?.uri;
    if (typeof uri === 'string' && uri !== '')
      ctx.upstreamUri = renderUriTemplate(uri, uriCaptures(ctx.route, ctx.facts.path));
    return undefined;
  },
};

/**
 * redirect (Kong ≥ 3.9, PRIORITY 779): answers `status_code` (301) with `Location: location`; with
 * `keep_incoming_path` the request's path and query replace the location's. The body is a plain-text
 * stand-in (not Kong's).
 */
export const redirect: AccessPlugin = {
  name: 'redirect',
  priority: 779,
  access(config, ctx) {
    const status = typeof config.status_code === 'number' ? config.status_code : 301;
    let location = typeof config.location === 'string' ? config.location : '/';
    if (config.keep_incoming_path === true) {
      const origin = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/.exec(location)?.[0] ?? '';
      const query = ctx.facts.query.toString();
      location = `${origin}${ctx.facts.path}${query ? `?${query}` : ''}`;
    }
    return { status, body: 'redirecting', contentType: 'text/plain', headers: { Location: location } };
  },
};
