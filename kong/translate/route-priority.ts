import { getOrInsert } from './collections.ts';
import { shl } from './expressions.ts';
import { type K8sObject, nameOf, namespaceOf, rec, records, specOf, str, strings } from './k8s-object.ts';

/** One hostname × rule × match of a Gateway API route, the unit that gets an expression-router priority. */
export interface SplitMatch {
  route: K8sObject;
  hostname: string;
  match: Record<string, unknown>;
  ruleIndex: number;
  matchIndex: number;
}

/**
 * KIC's `AssignRoutePriorityToSplit*Matches`: splits with the same base priority are ordered (oldest route,
 * then namespace, name, rule, match) and get decreasing values in the low `relativeBits`; a lone split gets all ones.
 */
export function routePriorityOrder(
  splits: readonly SplitMatch[],
  base: (split: SplitMatch) => number,
  relativeBits: number,
): Array<{ split: SplitMatch; priority: number }> {
  const byPriority = new Map<number, SplitMatch[]>();
  for (const split of splits) {
    const p = base(split);
    const list = getOrInsert(byPriority, p, () => []);
    list.push(split);
  }
  const allOnes = 2 ** relativeBits - 1;
  const out: Array<{ split: SplitMatch; priority: number }> = [];
  for (const [priority, list] of byPriority) {
    list.sort(compareSplits);
    list.forEach((split, i) => {
      out.push({ split, priority: priority + Math.max(allOnes - i, 0) });
    });
  }
  return out;
}

function compareSplits(a: SplitMatch, b: SplitMatch): number {
  const ta = str(rec(a.route.metadata)?.creationTimestamp) ?? '';
  const tb = str(rec(b.route.metadata)?.creationTimestamp) ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  const na = namespaceOf(a.route);
  const nb = namespaceOf(b.route);
  if (na !== nb) return na < nb ? -1 : 1;
  const ma = nameOf(a.route);
  const mb = nameOf(b.route);
  if (ma !== mb) return ma < mb ? -1 : 1;
  if (a.ruleIndex !== b.ruleIndex) return a.ruleIndex - b.ruleIndex;
  return a.matchIndex - b.matchIndex;
}

/** Every hostname × rule × match of a Gateway API route (KIC's `SplitHTTPRouteMatch` / `SplitGRPCRouteMatch`). */
export function splitMatches(route: K8sObject): SplitMatch[] {
  const hostnames = strings(specOf(route).hostnames);
  const out: SplitMatch[] = [];
  for (const hostname of hostnames.length > 0 ? hostnames : ['']) {
    records(specOf(route).rules).forEach((rule, ruleIndex) => {
      const matches = records(rule.matches);
      if (matches.length === 0) out.push({ route, hostname, match: {}, ruleIndex, matchIndex: 0 });
      matches.forEach((match, matchIndex) => {
        out.push({ route, hostname, match, ruleIndex, matchIndex });
      });
    });
  }
  return out;
}

/** The priority bits of a resource kind and a split's hostname, shared by HTTPRoute and GRPCRoute (KIC's traits). */
export function kindAndHostnamePriority(
  resourceKind: number,
  resourceKindShift: number,
  hostname: string,
): number {
  let p = shl(resourceKind, resourceKindShift);
  if (hostname !== '') {
    if (!hostname.startsWith('*')) p += shl(1, 43);
    p += shl(hostname.length, 35);
  }
  return p;
}
