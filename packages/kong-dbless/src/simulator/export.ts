/** `GET /config`: Kong's flat export (kong/db/declarative/export.lua) of what a node holds, as YAML text. */
import { stringify } from 'yaml';
import type { FlattenedEntities } from '../validate/index.ts';

/** Every field kept (nulls included), foreign keys as plain id strings, `_transform: false`. */
export function exportConfig(entities: FlattenedEntities): string {
  const doc: Record<string, unknown> = { _format_version: '3.0', _transform: false };
  for (const [collection, byId] of Object.entries(entities)) {
    doc[collection] = Object.values(byId).map((entity) => {
      const flat: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(entity)) {
        flat[key] =
          value !== null &&
          typeof value === 'object' &&
          !Array.isArray(value) &&
          'id' in value &&
          Object.keys(value).length === 1
            ? (value as { id: unknown }).id
            : value;
      }
      return flat;
    });
  }
  return stringify(doc);
}
