import { rec, records, str, strings } from '../k8s-object.ts';

/**
 * Whether labels satisfy a Kubernetes LabelSelector (`matchLabels` and `matchExpressions` with In, NotIn,
 * Exists, DoesNotExist). An empty selector matches everything, as in Kubernetes.
 */
export function labelSelectorMatches(selector: unknown, labels: Readonly<Record<string, string>>): boolean {
  const s = rec(selector) ?? {};
  for (const [key, value] of Object.entries(rec(s.matchLabels) ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const expression of records(s.matchExpressions)) {
    const key = str(expression.key) ?? '';
    const values = strings(expression.values);
    const has = Object.hasOwn(labels, key);
    switch (str(expression.operator)) {
      case 'In':
        if (!has || !values.includes(labels[key]!)) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[key]!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        // An unknown operator selects nothing, as the apiserver would refuse such a selector.
        return false;
    }
  }
  return true;
}
