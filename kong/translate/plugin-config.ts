import { type DocumentOptions, type ParseOptions, parse, type SchemaOptions } from 'yaml';
import type { KongPluginEntity } from '../declarative.ts';
import {
  bool,
  isRecord,
  type K8sObject,
  kindOf,
  namespaceOf,
  nonEmpty,
  rec,
  records,
  secretData,
  str,
  strings,
} from './k8s-object.ts';
import type { Snapshot } from './snapshot.ts';
import { tagsForObject } from './tags.ts';

/** The plugin a KongPlugin/KongClusterPlugin describes, before binding; or why it cannot be built. */
export type PluginTemplate = { plugin: KongPluginEntity; secrets: K8sObject[] } | { error: string };

/**
 * KIC's `kongPluginFromK8SPlugin`: `plugin`, `config` or `configFrom` (a Secret value holding YAML/JSON),
 * `configPatches` (JSON values from Secrets at JSON-pointer paths), `disabled`, `protocols`, `ordering`,
 * `instance_name`, and the object's tags. Error messages name Secret keys, never their values.
 */
export function pluginTemplate(snapshot: Snapshot, obj: K8sObject): PluginTemplate {
  const name = nonEmpty(obj.plugin);
  if (!name) return { error: 'the plugin field (Kong plugin name) is missing' };
  const plugin: KongPluginEntity = { name };
  const secrets: K8sObject[] = [];
  const cluster = kindOf(obj) === 'KongClusterPlugin';
  const configFrom = rec(obj.configFrom);
  // KIC only objects when `config` actually holds something (an empty `config: {}` next to configFrom is fine).
  if (configFrom && isRecord(obj.config) && Object.keys(obj.config).length > 0) {
    return { error: 'config and configFrom cannot both be set' };
  }
  if (configFrom && obj.config !== undefined && !isRecord(obj.config)) {
    return { error: 'config and configFrom cannot both be set' };
  }
  if (obj.config !== undefined && !configFrom) {
    if (!isRecord(obj.config)) return { error: 'config must be an object' };
    plugin.config = structuredClone(obj.config);
  } else if (configFrom) {
    const ref = rec(configFrom.secretKeyRef);
    const value = secretValue(snapshot, obj, ref, cluster);
    if ('error' in value) return { error: `configFrom: ${value.error}` };
    secrets.push(value.secret);
    let parsed: unknown;
    try {
      parsed = parseSecretConfig(value.text);
    } catch {
      return { error: `configFrom: Secret key "${str(ref?.key)}" does not hold YAML or JSON` };
    }
    if (!isRecord(parsed))
      return { error: `configFrom: Secret key "${str(ref?.key)}" does not hold a configuration object` };
    plugin.config = snapshot.fromSecret(parsed);
  }
  for (const patch of records(obj.configPatches)) {
    const path = str(patch.path);
    if (path === undefined || (path !== '' && !path.startsWith('/'))) {
      return { error: 'configPatches: path must be a JSON pointer ("" or starting with "/")' };
    }
    const value = secretValue(snapshot, obj, rec(rec(patch.valueFrom)?.secretKeyRef), cluster);
    if ('error' in value) return { error: `configPatches ${path}: ${value.error}` };
    secrets.push(value.secret);
    let parsed: unknown;
    try {
      parsed = snapshot.fromSecret(JSON.parse(value.text));
    } catch {
      return { error: `configPatches ${path}: the Secret value is not JSON` };
    }
    if (path === '') {
      // RFC 6902 on the root replaces the whole document (KIC uses "replace" there).
      if (!isRecord(parsed)) return { error: 'configPatches "": the Secret value must be a JSON object' };
      plugin.config = parsed;
      continue;
    }
    plugin.config ??= {};
    const err = addAtPointer(plugin.config, path, parsed);
    if (err) return { error: `configPatches ${path}: ${err}` };
  }
  // An empty config is omitted, as decK omits empty fields.
  if (plugin.config && Object.keys(plugin.config).length === 0) delete plugin.config;
  const runOn = nonEmpty(obj.run_on);
  if (runOn) plugin.run_on = runOn;
  if (bool(obj.disabled) === true) plugin.enabled = false;
  const protocols = strings(obj.protocols);
  if (protocols.length > 0) plugin.protocols = protocols;
  const ordering = rec(obj.ordering);
  if (ordering) plugin.ordering = structuredClone(ordering);
  const instanceName = nonEmpty(obj.instance_name);
  if (instanceName) plugin.instance_name = instanceName;
  plugin.tags = tagsForObject(obj);
  return { plugin, secrets };
}

function secretValue(
  snapshot: Snapshot,
  obj: K8sObject,
  ref: Record<string, unknown> | undefined,
  cluster: boolean,
): { text: string; secret: K8sObject } | { error: string } {
  const name = str(ref?.name);
  const key = str(ref?.key);
  const namespace = cluster ? str(ref?.namespace) : namespaceOf(obj);
  if (!name || !key) return { error: 'secretKeyRef needs name and key' };
  if (!namespace) return { error: 'secretKeyRef needs a namespace for a KongClusterPlugin' };
  const secret = snapshot.get('Secret', namespace, name);
  if (!secret) return { error: `Secret ${namespace}/${name} not found` };
  const text = secretData(secret).get(key);
  if (text === undefined) return { error: `Secret ${namespace}/${name} has no key "${key}"` };
  return { text, secret };
}

/** RFC 6902 `add` at a JSON pointer (creating missing objects on the way, as KIC's patching does). */
function addAtPointer(target: Record<string, unknown>, pointer: string, value: unknown): string | undefined {
  const parts = pointer
    .slice(1)
    .split('/')
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
  let node: unknown = target;
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i]!;
    if (!isRecord(node)) return `${parts.slice(0, i).join('/')} is not an object`;
    if (node[part] === undefined) node[part] = {};
    node = node[part];
  }
  const last = parts[parts.length - 1]!;
  if (Array.isArray(node)) {
    if (last === '-') node.push(value);
    else {
      const index = Number(last);
      if (!Number.isInteger(index) || index < 0 || index > node.length)
        return `array index ${last} out of range`;
      node.splice(index, 0, value);
    }
    return undefined;
  }
  if (!isRecord(node)) return 'parent is not an object';
  node[last] = value;
  return undefined;
}

/**
 * A `configFrom` Secret value as KIC's `SecretToConfiguration` reads it: JSON first, else YAML as
 * sigs.k8s.io/yaml (go-yaml v2) resolves it: YAML 1.1 scalars (`on`, `yes`, `y` are true; `0755` is octal;
 * `1_000` is 1000), but timestamps, sexagesimal numbers and `!!binary` stay strings, as go-yaml v2 leaves them
 * when it decodes into an untyped map. So the same Secret gives the same plugin config as under KIC.
 */
export function parseSecretConfig(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return parse(text, GO_YAML_V2);
  }
}

const GO_YAML_V2: ParseOptions & DocumentOptions & SchemaOptions = {
  version: '1.1',
  customTags: (tags) =>
    tags.filter(
      (tag) =>
        typeof tag === 'string' ||
        (tag.format !== 'TIME' && !tag.tag.endsWith(':timestamp') && !tag.tag.endsWith(':binary')),
    ),
};
