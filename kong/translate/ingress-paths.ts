import { A } from './annotations.ts';
import { and, httpPath, type Matcher, or } from './expressions.ts';

/** Default marker for regex paths in Ingress ImplementationSpecific paths (`konghq.com/regex-prefix` overrides). */
export const CONTROLLER_REGEX_PREFIX = '/~';
/** Kong 3.x regex path prefix. */
export const KONG_REGEX_PREFIX = '~';

export type IngressPathType = 'Prefix' | 'Exact' | 'ImplementationSpecific';

export interface IngressPath {
  path: string;
  pathType: IngressPathType;
}

/** Collapses runs of `/` into one, as KIC's `flattenMultipleSlashes` does before anything else. */
export function flattenSlashes(path: string): string {
  return path.replace(/\/{2,}/g, '/');
}

export function regexPrefixFor(anns: Record<string, string>): string {
  return anns[A.regexPrefix] ?? CONTROLLER_REGEX_PREFIX;
}

/** KIC's `PathsFromIngressPaths` for one path (plain paths first, then regex paths). */
export function traditionalPaths(p: IngressPath): string[] {
  switch (p.pathType) {
    case 'Prefix': {
      const base = trimSlashes(p.path);
      return base === '' ? ['/'] : [`/${base}/`, `${KONG_REGEX_PREFIX}/${base}$`];
    }
    case 'Exact':
      return [`${KONG_REGEX_PREFIX}/${p.path.replace(/^\/+/, '')}$`];
    case 'ImplementationSpecific':
      return [p.path === '' ? '/' : p.path];
  }
}

/** The paths Kong 2.x took for plain paths; anything else it treated as a regex (KIC's `legacyRegexPathExpression`). */
const LEGACY_PLAIN_PATH = /^[a-zA-Z0-9.\-_~/%]*$/;

/**
 * KIC's `MaybePrependRegexPrefix`: a leading controller prefix becomes `~`; with the legacy heuristic
 * (IngressClassParameters `enableLegacyRegexDetection`), a path Kong 2.x would have read as a regex gets `~` too.
 */
export function applyRegexPrefix(path: string, controllerPrefix: string, legacyHeuristic = false): string {
  if (controllerPrefix !== '' && path.startsWith(controllerPrefix)) {
    return KONG_REGEX_PREFIX + path.slice(controllerPrefix.length);
  }
  if (legacyHeuristic && !LEGACY_PLAIN_PATH.test(path) && !path.startsWith(KONG_REGEX_PREFIX)) {
    return KONG_REGEX_PREFIX + path;
  }
  return path;
}

/** KIC's `pathMatcherFromIngressPath` (expression router). */
export function pathMatcher(p: IngressPath, regexPrefix: string): Matcher {
  switch (p.pathType) {
    case 'Prefix': {
      const base = trimSlashes(p.path);
      if (base === '') return httpPath('^=', '/');
      return or(httpPath('==', `/${base}`), httpPath('^=', `/${base}/`));
    }
    case 'Exact':
      return httpPath('==', `/${p.path.replace(/^\/+/, '')}`);
    case 'ImplementationSpecific': {
      if (p.path === '') return httpPath('^=', '/');
      if (regexPrefix !== '' && p.path.startsWith(regexPrefix)) {
        let regex = p.path.slice(regexPrefix.length);
        if (regex === '') regex = '^/';
        if (!regex.startsWith('^')) regex = `^${regex}`;
        return httpPath('~', regex);
      }
      return httpPath('^=', p.path);
    }
  }
}

/** Path-derived traits for the Ingress expression priority (KIC's `calculateIngressRoutePriorityTraits`). */
export function pathPriorityTraits(paths: readonly IngressPath[], regexPrefix: string) {
  let maxPathLength = 0;
  let hasRegexPath = false;
  for (const p of paths) {
    let length = 0;
    switch (p.pathType) {
      case 'Exact':
        hasRegexPath = true;
        length = 1 + p.path.replace(/^\/+/, '').length;
        break;
      case 'Prefix': {
        hasRegexPath = true;
        const base = trimSlashes(p.path);
        length = base === '' ? 1 : 2 + base.length;
        break;
      }
      case 'ImplementationSpecific':
        if (regexPrefix !== '' && p.path.startsWith(regexPrefix)) {
          hasRegexPath = true;
          length = p.path.length - regexPrefix.length;
        } else {
          length = p.path.length;
        }
        break;
    }
    if (length > maxPathLength) maxPathLength = length;
  }
  return { maxPathLength, hasRegexPath };
}

export function pathsMatcher(paths: readonly IngressPath[], regexPrefix: string): Matcher {
  return and(or(...paths.map((p) => pathMatcher(p, regexPrefix))));
}

function trimSlashes(path: string): string {
  return path.replace(/^\/+/, '').replace(/\/+$/, '');
}
