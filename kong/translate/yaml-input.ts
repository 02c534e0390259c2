import { parseAllDocuments } from 'yaml';

/** Input text that is not YAML: nothing can be translated from it. */
export class YamlInputError extends Error {
  override name = 'YamlInputError';
}

/**
 * Multi-document YAML (comments allowed) → the documents that are mappings; empty documents are skipped.
 * Throws YamlInputError naming the document and line of the first syntax error.
 */
export function parseYamlObjects(text: string): unknown[] {
  const docs = parseAllDocuments(text, { prettyErrors: true });
  const list = Array.isArray(docs) ? docs : [docs];
  const out: unknown[] = [];
  list.forEach((doc, index) => {
    const error = doc.errors[0];
    if (error) throw new YamlInputError(`document ${index + 1}: ${error.message.split('\n')[0]}`);
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value !== null && value !== undefined) out.push(value);
  });
  return out;
}

/** Cluster-scoped kinds among those the translator reads; every other kind lives in a namespace. */
const CLUSTER_SCOPED: ReadonlySet<string> = new Set([
  'IngressClass',
  'KongClusterPlugin',
  'GatewayClass',
  'KongVault',
]);

/**
 * `kubectl apply -n NS` semantics for manifests: namespaced objects without `metadata.namespace` get `namespace`.
 * Returns copies; the input objects are not modified. (The translator itself never defaults a namespace: KIC's
 * golden inputs rely on namespace-less objects staying namespace-less.)
 */
export function withDefaultNamespace(objects: readonly unknown[], namespace: string): unknown[] {
  return objects.map((obj) => {
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return obj;
    const record = obj as Record<string, unknown>;
    if (typeof record.kind === 'string' && CLUSTER_SCOPED.has(record.kind)) return obj;
    const meta = record.metadata;
    if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) return obj;
    const ns = (meta as Record<string, unknown>).namespace;
    if (typeof ns === 'string' && ns !== '') return obj;
    return { ...record, metadata: { ...meta, namespace } };
  });
}
