import type { KongRouteEntity } from '../declarative.ts';
import { A, commaList } from './annotations.ts';
import {
  and,
  CATCH_ALL_HTTP_EXPRESSION,
  hostMatcher,
  httpHeader,
  httpPath,
  httpQuery,
  type Matcher,
  methodMatcher,
  or,
  push,
  RESOURCE_KIND,
  RESOURCE_KIND_SHIFT,
  render,
  shl,
  sniMatcher,
} from './expressions.ts';
import { ruleName } from './gateway-common.ts';
import {
  attachFilterPlugins,
  filtersOf,
  type IndexedRule,
  type Match,
  routeTags,
} from './httproute-common.ts';
import {
  annotationsOf,
  type K8sObject,
  nameOf,
  namespaceOf,
  rec,
  records,
  specOf,
  str,
} from './k8s-object.ts';
import type { RouteDraft } from './model.ts';
import {
  kindAndHostnamePriority,
  routePriorityOrder,
  type SplitMatch,
  splitMatches,
} from './route-priority.ts';

// HTTPRoute translation for Kong's expression router: one route per hostname × rule × match, with KIC's
// priorities computed across all HTTPRoutes (`subtranslator/httproute_atc.go`).

/** KIC's `HTTPRoutePriorityTraits.EncodeToPriority` (without the 12 relative-order bits). */
function basePriority(split: SplitMatch): number {
  let p = kindAndHostnamePriority(RESOURCE_KIND.httpRoute, RESOURCE_KIND_SHIFT, split.hostname);
  const path = rec(split.match.path);
  if (path) {
    const type = str(path.type);
    if (type === 'Exact') p += shl(1, 34);
    if (type === 'RegularExpression') p += shl(1, 33);
    const length = (str(path.value) ?? '').length;
    if (length > 0) p += shl(length - 1, 23);
  }
  p += shl(records(split.match.headers).length, 17);
  if (split.match.method !== undefined) p += shl(1, 22);
  p += shl(records(split.match.queryParams).length, 12);
  return p;
}

export function assignPriorities(
  routes: readonly K8sObject[],
): Map<SplitKey, { split: SplitMatch; priority: number }> {
  const all = routes.flatMap(splitMatches);
  const withPriority = routePriorityOrder(all, basePriority, 12);
  const out = new Map<SplitKey, { split: SplitMatch; priority: number }>();
  for (const { split, priority } of withPriority) out.set(splitKey(split), { split, priority });
  return out;
}

export type SplitKey = string;
function splitKey(s: SplitMatch): SplitKey {
  return `${namespaceOf(s.route)}/${nameOf(s.route)}/${s.hostname}/${s.ruleIndex}/${s.matchIndex}`;
}

export function expressionRoutes(
  route: K8sObject,
  group: IndexedRule[],
  priorities: Map<SplitKey, { split: SplitMatch; priority: number }>,
  redirectPlugin: boolean,
): RouteDraft[] | string {
  const ruleIndexes = new Set(group.map((g) => g.index));
  const out: RouteDraft[] = [];
  const anns = annotationsOf(route);
  for (const split of splitMatches(route)) {
    if (!ruleIndexes.has(split.ruleIndex)) continue;
    const { priority } = priorities.get(splitKey(split))!;
    const rule = records(specOf(route).rules)[split.ruleIndex]!;
    const named = ruleName(rule);
    const tags = routeTags(route, named ? [named] : []);
    const host = split.hostname === '' ? '_' : split.hostname.replaceAll('*', '_');
    const entity: KongRouteEntity = {
      name: `httproute.${namespaceOf(route)}.${nameOf(route)}.${host}.${split.ruleIndex}.${split.matchIndex}`,
      preserve_host: true,
      strip_path: false,
      tags,
    };
    const matcher = and();
    if (split.hostname !== '') push(matcher, hostMatcher([split.hostname]));
    const snis = commaList(anns, A.snis) ?? [];
    if (snis.length > 0) push(matcher, sniMatcher(snis));
    const fromMatch = matcherFromMatch(split.match);
    if (typeof fromMatch === 'string') return fromMatch;
    push(matcher, fromMatch);
    const expression = render(matcher);
    entity.expression = expression === '' ? CATCH_ALL_HTTP_EXPRESSION : expression;
    entity.priority = priority;
    const draft: RouteDraft = { entity, source: route, expression: true };
    const err = attachFilterPlugins(
      draft,
      filtersOf(rule),
      str(rec(split.match.path)?.value) ?? '',
      tags,
      true,
      redirectPlugin,
    );
    if (err) return err;
    out.push(draft);
  }
  return out;
}

/** KIC's `generateMatcherFromHTTPRouteMatch`. */
function matcherFromMatch(match: Match): Matcher | string {
  const m = and();
  const path = rec(match.path);
  if (path) {
    const value = str(path.value) ?? '';
    switch (str(path.type) ?? 'PathPrefix') {
      case 'Exact':
        push(m, httpPath('==', value));
        break;
      case 'PathPrefix':
        if (value === '' || value === '/') push(m, httpPath('^=', '/'));
        else {
          const trimmed = value.replace(/\/$/, '');
          push(m, or(httpPath('==', trimmed), httpPath('^=', `${trimmed}/`)));
        }
        break;
      case 'RegularExpression':
        push(m, httpPath('~', value.startsWith('^') ? value : `^${value}`));
        break;
      default:
        return `path match type ${str(path.type)} not supported`;
    }
  }
  const headers = records(match.headers)
    .map((h) => ({ name: str(h.name) ?? '', type: str(h.type) ?? 'Exact', value: str(h.value) ?? '' }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (headers.length > 0) {
    push(
      m,
      and(
        ...headers.map((h) => {
          const key = h.name.toLowerCase().replaceAll('-', '_');
          return httpHeader(key, h.type === 'RegularExpression' ? '~' : '==', h.value);
        }),
      ),
    );
  }
  const queries = records(match.queryParams)
    .map((q) => ({ name: str(q.name) ?? '', type: str(q.type) ?? 'Exact', value: str(q.value) ?? '' }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (queries.length > 0) {
    push(
      m,
      and(...queries.map((q) => httpQuery(q.name, q.type === 'RegularExpression' ? '~' : '==', q.value))),
    );
  }
  const method = str(match.method);
  if (method !== undefined) push(m, methodMatcher([method]));
  return m;
}
