import type { KongPluginEntity } from '../declarative.ts';
import { getOrInsert } from './collections.ts';
import { httpPath, or, render } from './expressions.ts';
import { KONG_REGEX_PREFIX } from './ingress-paths.ts';
import { int, rec, records, str, strings } from './k8s-object.ts';
import type { RouteDraft } from './model.ts';

interface Transformer {
  replace: { headers?: string[]; uri?: string };
  add: { headers?: string[] };
  append: { headers?: string[] };
  remove: { headers?: string[] };
}

export interface FilterPlugins {
  plugins: KongPluginEntity[];
  /** Route changes a filter needs (URLRewrite ReplacePrefixMatch rewrites the route's paths or expression). */
  modifiers: Array<(route: RouteDraft) => void>;
  /** KongPlugin names from ExtensionRef filters, added to the route's `konghq.com/plugins`. */
  extensionPlugins: string[];
}

/**
 * KIC's `generatePluginsFromHTTPRouteFilters`: HTTPRoute filters as Kong plugins (request/response-transformer,
 * and for redirects the `redirect` plugin when `redirectPlugin` — Kong ≥ 3.9, version-gates.ts — else
 * request-termination with a `Location` header) tagged with the route's tags. Throws nothing: unsupported
 * filters come back as an `error` string that fails the rule.
 */
export function pluginsFromFilters(
  filters: readonly Record<string, unknown>[],
  path: string,
  tags: readonly string[],
  expressions: boolean,
  redirectPlugin = false,
): FilterPlugins | { error: string } {
  const result: FilterPlugins = { plugins: [], modifiers: [], extensionPlugins: [] };
  const transformers = new Map<string, Transformer>();
  const transformer = (type: string): Transformer => {
    const t = getOrInsert(transformers, type, () => ({ replace: {}, add: {}, append: {}, remove: {} }));
    return t;
  };
  const appendTo = (target: { headers?: string[] }, headers: string[]) => {
    if (headers.length > 0) target.headers = [...(target.headers ?? []), ...headers];
  };
  for (const filter of filters) {
    const type = str(filter.type);
    switch (type) {
      case 'RequestHeaderModifier':
      case 'ResponseHeaderModifier': {
        const spec = rec(
          filter[type === 'RequestHeaderModifier' ? 'requestHeaderModifier' : 'responseHeaderModifier'],
        );
        const t = transformer(
          type === 'RequestHeaderModifier' ? 'request-transformer' : 'response-transformer',
        );
        const set = records(spec?.set).map((h) => `${str(h.name) ?? ''}:${str(h.value) ?? ''}`);
        appendTo(t.replace, set);
        appendTo(t.add, set);
        appendTo(
          t.append,
          records(spec?.add).map((h) => `${str(h.name) ?? ''}:${str(h.value) ?? ''}`),
        );
        appendTo(t.remove, strings(spec?.remove));
        break;
      }
      case 'RequestRedirect': {
        const spec = rec(filter.requestRedirect) ?? {};
        if (redirectPlugin && str(spec.hostname) !== undefined) {
          result.plugins.push({ name: 'redirect', config: redirectPluginConfig(spec) });
          break;
        }
        const config: Record<string, unknown> = {};
        const status = int(spec.statusCode);
        if (status !== undefined) config.status_code = status;
        result.plugins.push({ name: 'request-termination', config });
        const scheme = str(spec.scheme) ?? 'http';
        const port = int(spec.port) ?? 80;
        const modifier = rec(spec.path);
        let location = path;
        if (str(modifier?.type) === 'ReplaceFullPath' && str(modifier?.replaceFullPath) !== undefined) {
          location = str(modifier?.replaceFullPath)!;
        }
        const hostname = str(spec.hostname);
        const header = hostname
          ? `Location: ${scheme}://${joinPath(`${hostname}:${port}`, location)}`
          : `Location: ${location}`;
        appendTo(transformer('response-transformer').add, [header]);
        break;
      }
      case 'URLRewrite': {
        const spec = rec(filter.urlRewrite);
        const pathMod = rec(spec?.path);
        const hostname = str(spec?.hostname);
        if (!pathMod && hostname === undefined)
          return { error: 'URLRewrite filter has neither path nor hostname' };
        if (pathMod) {
          const t = transformer('request-transformer');
          const modType = str(pathMod.type);
          if (modType === 'ReplaceFullPath') {
            const full = str(pathMod.replaceFullPath);
            if (full === undefined) return { error: 'URLRewrite ReplaceFullPath without replaceFullPath' };
            t.replace.uri = full;
          } else if (modType === 'ReplacePrefixMatch') {
            const normalized = path === '/' || path === '' ? '/' : path.replace(/\/$/, '');
            t.replace.uri = replacePrefixUri(str(pathMod.replacePrefixMatch), normalized);
            result.modifiers.push(prefixRewriteModifier(normalized, expressions));
          } else {
            return { error: `unsupported URLRewrite path type ${modType ?? '<none>'}` };
          }
        }
        if (hostname !== undefined) {
          const t = transformer('request-transformer');
          appendTo(t.replace, [`host:${hostname}`]);
          appendTo(t.add, [`host:${hostname}`]);
        }
        break;
      }
      case 'ExtensionRef': {
        const ref = rec(filter.extensionRef);
        if (str(ref?.group) !== 'configuration.konghq.com' || str(ref?.kind) !== 'KongPlugin') {
          return { error: `ExtensionRef ${str(ref?.group) ?? ''}/${str(ref?.kind) ?? ''} unsupported` };
        }
        result.extensionPlugins.push(str(ref?.name) ?? '');
        break;
      }
      default:
        return { error: `HTTPRoute filter ${type ?? '<no type>'} unsupported` };
    }
  }
  for (const type of [...transformers.keys()].sort()) {
    const t = transformers.get(type)!;
    const config: Record<string, unknown> = {};
    for (const key of ['replace', 'add', 'append', 'remove'] as const) {
      if (Object.keys(t[key]).length > 0) config[key] = t[key];
    }
    result.plugins.push({ name: type, config });
  }
  for (const p of result.plugins) p.tags = [...tags];
  return result;
}

/**
 * The `redirect` plugin's config for a RequestRedirect filter with a hostname: `location` is
 * scheme://hostname[:port] plus the ReplaceFullPath path, or `/` with `keep_incoming_path` so the request's own
 * path and query are kept (what the older translation cannot do). The scheme defaults to http, as Kong's plugin
 * needs one.
 */
function redirectPluginConfig(spec: Record<string, unknown>): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  const status = int(spec.statusCode);
  if (status !== undefined) config.status_code = status;
  const scheme = str(spec.scheme) ?? 'http';
  const port = int(spec.port);
  const hostPort = port === undefined ? str(spec.hostname)! : `${str(spec.hostname)!}:${port}`;
  const modifier = rec(spec.path);
  const full = str(modifier?.type) === 'ReplaceFullPath' ? str(modifier?.replaceFullPath) : undefined;
  if (full !== undefined) {
    config.location = `${scheme}://${joinPath(hostPort, full)}`;
    config.keep_incoming_path = false;
  } else {
    config.location = `${scheme}://${hostPort}/`;
    config.keep_incoming_path = true;
  }
  return config;
}

function replacePrefixUri(replace: string | undefined, path: string): string {
  if (replace === undefined) return '/';
  const prefix = replace.replace(/\/$/, '');
  const root = path === '/';
  if (prefix === '') {
    return root
      ? '$(uri_captures[1] == nil and "/" or "/" .. uri_captures[1])'
      : '$(uri_captures[1] == nil and "/" or uri_captures[1])';
  }
  return root
    ? `${prefix}$(uri_captures[1] == nil and "" or "/" .. uri_captures[1])`
    : `${prefix}$(uri_captures[1])`;
}

/** The route matches the exact prefix and captures the rest, so request-transformer can splice it in. */
function prefixRewriteModifier(path: string, expressions: boolean): (route: RouteDraft) => void {
  const root = path === '/';
  if (expressions) {
    const expression = render(or(httpPath('==', path), httpPath('~', root ? '^/(.*)' : `^${path}(/.*)`)));
    return (route) => {
      route.entity.expression = expression;
    };
  }
  const paths = [
    `${KONG_REGEX_PREFIX}${path}$`,
    root ? `${KONG_REGEX_PREFIX}/(.*)` : `${KONG_REGEX_PREFIX}${path}(/.*)`,
  ];
  return (route) => {
    route.entity.paths = [...paths];
  };
}

/** Go's `path.Join` for the redirect Location (cleans duplicate slashes). */
function joinPath(a: string, b: string): string {
  const joined = `${a}/${b}`.replace(/\/+/g, '/');
  return joined.length > 1 ? joined.replace(/\/$/, '') : joined;
}
