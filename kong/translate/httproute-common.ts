import { pluginsFromFilters } from './httproute-filters.ts';
import { type K8sObject, records } from './k8s-object.ts';
import type { RouteDraft } from './model.ts';
import { namedRouteRuleTags, tagsForObject } from './tags.ts';

/** Shared by the traditional and expression-router HTTPRoute translations. */
export type Rule = Record<string, unknown>;
export type Match = Record<string, unknown>;

/** A rule with its index in `spec.rules` (route and service names use the index). */
export interface IndexedRule {
  rule: Rule;
  index: number;
}

export function filtersOf(rule: Rule): Record<string, unknown>[] {
  return records(rule.filters);
}

/** The HTTPRoute's tags plus one `k8s-named-route-rule:` tag per named rule the route comes from. */
export function routeTags(route: K8sObject, names: readonly string[]): string[] {
  return tagsForObject(route, namedRouteRuleTags(names));
}

/** Turns the rule's filters into route plugins and route changes; returns why the rule cannot be routed. */
export function attachFilterPlugins(
  draft: RouteDraft,
  filters: readonly Record<string, unknown>[],
  path: string,
  tags: readonly string[],
  expressions: boolean,
  redirectPlugin: boolean,
): string | undefined {
  const result = pluginsFromFilters(filters, path, tags, expressions, redirectPlugin);
  if ('error' in result) return result.error;
  if (result.plugins.length > 0) draft.entity.plugins = [...(draft.entity.plugins ?? []), ...result.plugins];
  for (const modify of result.modifiers) modify(draft);
  if (result.extensionPlugins.length > 0) draft.extraPlugins = result.extensionPlugins;
  return undefined;
}
