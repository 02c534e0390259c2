/**
 * Rendering of Kong's error tables: Lua tables with 1-based integer keys become JSON arrays with null holes
 * (cjson with sparse arrays), and the `message` carries a Penlight `pretty.write(t, "")` dump of `fields`.
 */
import type { ErrorNode, ErrorTree } from './types.ts';

const INDEX_RE = /^[1-9]\d*$/;

function isIndexTable(value: Record<string, unknown>): boolean {
  let any = false;
  for (const key in value) {
    if (!INDEX_RE.test(key)) return false;
    any = true;
  }
  return any;
}

/** Converts an internal error tree (index keys as strings) into the JSON Kong sends. */
export function toKongJson(node: unknown): ErrorNode {
  if (Array.isArray(node)) return node.map((v) => toKongJson(v)) as ErrorNode;
  if (node === null || typeof node !== 'object') return node as ErrorNode;
  const table = node as Record<string, unknown>;
  if (isIndexTable(table)) {
    let max = 0;
    for (const key in table) max = Math.max(max, Number(key));
    const result: (ErrorNode | null)[] = new Array(max).fill(null);
    for (const key in table) result[Number(key) - 1] = toKongJson(table[key]);
    return result;
  }
  const result: ErrorTree = {};
  for (const key in table) result[key] = toKongJson(table[key]);
  return result;
}

const IDENT_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

function quote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** Penlight's compact `pretty.write(t, "")`: array part first, then `[n]=` and `key=` entries. */
export function luaPretty(node: unknown): string {
  if (node === null || node === undefined) return 'nil';
  if (typeof node === 'string') return quote(node);
  if (typeof node !== 'object') return String(node);
  const entries: [string, unknown][] = Array.isArray(node)
    ? node
        .map((v, i) => [String(i + 1), v] as [string, unknown])
        .filter(([, v]) => v !== null && v !== undefined)
    : Object.entries(node as Record<string, unknown>);
  const parts: string[] = [];
  let next = 1;
  const numeric = entries.filter(([k]) => INDEX_RE.test(k)).sort((a, b) => Number(a[0]) - Number(b[0]));
  const named = entries
    .filter(([k]) => !INDEX_RE.test(k))
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  for (const [key, value] of numeric) {
    if (Number(key) === next) {
      parts.push(luaPretty(value));
      next++;
    } else parts.push(`[${key}]=${luaPretty(value)}`);
  }
  for (const [key, value] of named)
    parts.push(`${IDENT_RE.test(key) ? key : `[${quote(key)}]`}=${luaPretty(value)}`);
  return `{${parts.join(',')}}`;
}
