import { A, commaList, extractHeaders } from './annotations.ts';
import {
  and,
  hostMatcher,
  httpHeader,
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
import { pathPriorityTraits, pathsMatcher, regexPrefixFor } from './ingress-paths.ts';
import { ingressRouteBase, type RouteMeta, routeNameFor } from './ingress-route-meta.ts';
import { annotationsOf, nameOf, namespaceOf } from './k8s-object.ts';
import type { RouteDraft } from './model.ts';

/** An Ingress route for Kong's expression router, with KIC's priority (`subtranslator/ingress_atc.go`). */
export function expressionRoute(meta: RouteMeta): RouteDraft {
  const name = routeNameFor(
    namespaceOf(meta.ingress),
    nameOf(meta.ingress),
    meta.host.replaceAll('*', '_'),
    meta.backend,
  );
  const anns = annotationsOf(meta.ingress);
  const regexPrefix = regexPrefixFor(anns);
  const matcher = and();
  const hosts = meta.host !== '' ? [meta.host] : [];
  const aliases = commaList(anns, A.hostAliases) ?? [];
  hosts.push(...aliases);
  if (hosts.length > 0) push(matcher, hostMatcher(hosts));
  push(matcher, pathsMatcher(meta.paths, regexPrefix));
  const headers = extractHeaders(anns);
  if (headers.size > 0) push(matcher, headersMatcher(headers));
  const methods = commaList(anns, A.methods) ?? [];
  if (methods.length > 0) push(matcher, methodMatcher(methods));
  const snis = commaList(anns, A.snis) ?? [];
  if (snis.length > 0) push(matcher, sniMatcher(snis));

  // KIC's IngressRoutePriorityTraits.EncodeToPriority.
  const { maxPathLength, hasRegexPath } = pathPriorityTraits(meta.paths, regexPrefix);
  let matchFields = meta.paths.length > 0 ? 1 : 0;
  let plainHostOnly = false;
  if (hosts.length > 0) {
    matchFields++;
    plainHostOnly = !hosts.some((h) => h.startsWith('*'));
  }
  if (headers.size > 0) matchFields++;
  if (methods.length > 0) matchFields++;
  if (snis.length > 0) matchFields++;
  const priority =
    Math.min(maxPathLength, 0xffff) +
    (hasRegexPath ? shl(1, 16) : 0) +
    (plainHostOnly ? shl(1, 32) : 0) +
    shl(Math.min(headers.size, 255), 33) +
    shl(matchFields, 41) +
    shl(RESOURCE_KIND.ingress, RESOURCE_KIND_SHIFT);

  const entity = { ...ingressRouteBase(meta, name) } as RouteDraft['entity'];
  entity.expression = render(matcher);
  entity.priority = priority;
  return { entity, source: meta.ingress, expression: true };
}

/** `konghq.com/headers.*` as an expression: values of one header or-ed (`~*` prefix = regex), headers and-ed. */
export function headersMatcher(headers: Map<string, string[]>): Matcher {
  const matchers: Matcher[] = [];
  for (const [rawName, values] of [...headers.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (values.length === 0) continue;
    const name = rawName.toLowerCase().replaceAll('-', '_');
    if (name === 'host') continue;
    matchers.push(
      or(
        ...values.map((v) =>
          v.startsWith('~*') ? httpHeader(name, '~', v.slice(2)) : httpHeader(name, '==', v),
        ),
      ),
    );
  }
  return and(...matchers);
}
