/**
 * `GET /schemas/plugins/<name>`: a plugin's schema as Kong's Admin API shows it (kong/api/routes/plugins.lua:
 * the plugins entity's subschema for that name, made JSON-able): `{ fields: [ { <name>: <field> }, … ] }`
 * with each field's type, `required`, `default` and validators, records with their own `fields`. KIC reads
 * the defaults from it before every sync (go-kong `GetFullSchema`, `FillPluginsDefaults`).
 */
import { registryFor } from '../validate/entities/registry.ts';
import { type KongEdition, kongMinor, type RouterFlavor } from '../validate/index.ts';
import type { Field, RecordSchema } from '../validate/schema.ts';

type Json = Record<string, unknown>;

/** A field's definition as Kong serializes it; what the validator keeps in code (custom checks) has no JSON form. */
function fieldJson(field: Field): Json {
  const out: Json = { type: field.type };
  if (field.type === 'any') out.type = 'record';
  if (field.required) out.required = true;
  if (field.default !== undefined) out.default = field.default;
  if (field.mustBeNull) out.eq = null;
  if (field.oneOf) out.one_of = field.oneOf;
  if (field.between) out.between = field.between;
  if (field.gt !== undefined) out.gt = field.gt;
  if (field.lenMin !== undefined) out.len_min = field.lenMin;
  if (field.lenMax !== undefined) out.len_max = field.lenMax;
  if (field.lenEq !== undefined) out.len_eq = field.lenEq;
  if (field.startsWith !== undefined) out.starts_with = field.startsWith;
  if (field.uuid) out.uuid = true;
  if (field.auto) out.auto = true;
  if (field.unique) out.unique = true;
  if (field.reference) out.reference = field.reference;
  if (field.elements) out.elements = fieldJson(field.elements);
  if (field.type === 'map') {
    // The validator keeps an opaque plugin config as a map: Kong shows a record, here one without fields.
    if (!field.keys && !field.values) return { type: 'record', required: true, fields: [] };
    out.keys = field.keys ? fieldJson(field.keys) : { type: 'string' };
    out.values = field.values ? fieldJson(field.values) : { type: 'string' };
  }
  if (field.type === 'record') out.fields = field.record ? recordFields(field.record) : [];
  if (field.type === 'any') out.fields = [];
  return out;
}

function recordFields(schema: RecordSchema): Json[] {
  return schema.fields.map(([name, field]) => ({ [name]: fieldJson(field) }));
}

export interface PluginSchemaProfile {
  kongVersion: string;
  routerFlavor: RouterFlavor;
  edition: KongEdition;
}

/** The JSON schema of one plugin on a node of this profile, or undefined when the node has no such plugin. */
export function pluginSchemaJson(name: string, profile: PluginSchemaProfile): Json | undefined {
  const registry = registryFor(kongMinor(profile.kongVersion), profile.routerFlavor, profile.edition);
  const subschema = registry.byName.get('plugins')?.schema.subschemas?.get(name);
  return subschema ? { fields: recordFields(subschema) } : undefined;
}

/** The plugin names a node of this profile knows (`plugins = bundled`). */
export function availablePlugins(profile: PluginSchemaProfile): string[] {
  const registry = registryFor(kongMinor(profile.kongVersion), profile.routerFlavor, profile.edition);
  return [...(registry.byName.get('plugins')?.schema.subschemas?.keys() ?? [])].sort();
}
