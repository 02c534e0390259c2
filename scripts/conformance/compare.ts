/**
 * Compares two declarative configs as data (conformance README §5.3): key order is irrelevant, entity lists are
 * sets keyed by name/id (type-specific keys where neither identifies an entity), scalar arrays are ordered.
 */

export type DiffKind = 'missing' | 'unexpected' | 'changed' | 'type' | 'order' | 'duplicate-key';

export interface Diff {
  path: string;
  kind: DiffKind;
  expected?: unknown;
  actual?: unknown;
}

export function compareConfigs(expected: unknown, actual: unknown): Diff[] {
  const diffs: Diff[] = [];
  compareValue(expected, actual, '', '', diffs);
  return diffs;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** Canonical JSON (sorted keys) used as the multiset key of entities that nothing else identifies. */
export function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, value) =>
    isObject(value)
      ? Object.fromEntries(
          Object.keys(value)
            .sort()
            .map((k) => [k, value[k]]),
        )
      : value,
  );
}

/** The key identifying an entity of list `field` (path is the parent path, '' for top level). */
function entityKey(field: string, parentPath: string, entity: Record<string, unknown>): string {
  const topLevel = parentPath === '';
  if (field === 'plugins' && topLevel && typeof entity.id === 'string') return `id=${entity.id}`;
  if (field === 'plugins' && !topLevel && typeof entity.name === 'string') return `name=${entity.name}`;
  if (field === 'targets' && typeof entity.target === 'string') return `target=${entity.target}`;
  if (field === 'consumer_group_consumers')
    return `pair=${String(entity.consumer)}/${String(entity.consumer_group)}`;
  if (typeof entity.name === 'string') return `name=${entity.name}`;
  if (typeof entity.id === 'string') return `id=${entity.id}`;
  if (field === 'consumers' && typeof entity.custom_id === 'string') return `custom_id=${entity.custom_id}`;
  return `entity=${canonical(entity)}`;
}

function compareValue(expected: unknown, actual: unknown, path: string, field: string, diffs: Diff[]): void {
  if (typeOf(expected) !== typeOf(actual)) {
    diffs.push({ path: path || '<root>', kind: 'type', expected, actual });
    return;
  }
  if (Array.isArray(expected) && Array.isArray(actual)) {
    compareArrays(expected, actual, path, field, diffs);
    return;
  }
  if (isObject(expected) && isObject(actual)) {
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    for (const key of [...keys].sort()) {
      const sub = path ? `${path}.${key}` : key;
      if (!(key in actual)) diffs.push({ path: sub, kind: 'missing', expected: expected[key] });
      else if (!(key in expected)) diffs.push({ path: sub, kind: 'unexpected', actual: actual[key] });
      else compareValue(expected[key], actual[key], sub, key, diffs);
    }
    return;
  }
  if (expected !== actual) diffs.push({ path, kind: 'changed', expected, actual });
}

function compareArrays(
  expected: unknown[],
  actual: unknown[],
  path: string,
  field: string,
  diffs: Diff[],
): void {
  const entityList = expected.some(isObject) || actual.some(isObject);
  if (!entityList) {
    if (canonical(expected) === canonical(actual)) return;
    const sortedE = [...expected].map(canonical).sort();
    const sortedA = [...actual].map(canonical).sort();
    const kind: DiffKind = canonical(sortedE) === canonical(sortedA) ? 'order' : 'changed';
    diffs.push({ path, kind, expected, actual });
    return;
  }
  const parentPath = path.includes('.') || path.includes('[') ? path : '';
  const index = (list: unknown[], side: 'expected' | 'actual') => {
    const map = new Map<string, unknown>();
    const seen = new Map<string, number>();
    for (const item of list) {
      let key = isObject(item) ? entityKey(field, parentPath, item) : `value=${canonical(item)}`;
      // Entities identified only by their whole content form a multiset: number the repeats.
      if (key.startsWith('entity=') || key.startsWith('value=')) {
        const n = (seen.get(key) ?? 0) + 1;
        seen.set(key, n);
        if (n > 1) key = `${key}#${n}`;
      } else if (map.has(key)) {
        diffs.push({ path: `${path}[${key}]`, kind: 'duplicate-key', [side]: item });
      }
      map.set(key, item);
    }
    return map;
  };
  const e = index(expected, 'expected');
  const a = index(actual, 'actual');
  for (const [key, item] of e) {
    const sub = `${path}[${key}]`;
    if (!a.has(key)) diffs.push({ path: sub, kind: 'missing', expected: item });
    else compareValue(item, a.get(key), sub, field, diffs);
  }
  for (const [key, item] of a)
    if (!e.has(key)) diffs.push({ path: `${path}[${key}]`, kind: 'unexpected', actual: item });
}
