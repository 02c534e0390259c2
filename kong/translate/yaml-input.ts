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
