import { type ObjectRef, objectKey } from '../../domain/object-ref.ts';

/**
 * Reading untrusted Kubernetes objects. Input comes from YAML or informers with unknown shapes, so every accessor
 * validates what it reads and returns `undefined` instead of throwing.
 */

/** A Kubernetes object as parsed from YAML/JSON: nothing is guaranteed beyond being a plain object. */
export type K8sObject = Record<string, unknown>;

/** Identity of a Kubernetes object, as reported in errors and encoded in entity tags: the domain's one ref. */
export type { ObjectRef } from '../../domain/object-ref.ts';

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function rec(value: unknown): Record<string, unknown> | undefined {
  return isRecord(value) ? value : undefined;
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A non-empty string, or undefined. */
export function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function int(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
}

export function bool(value: unknown): boolean | undefined {
  return typeof value === 'boolean' ? value : undefined;
}

export function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function records(value: unknown): Record<string, unknown>[] {
  return arr(value).filter(isRecord);
}

export function strings(value: unknown): string[] {
  return arr(value).filter((v): v is string => typeof v === 'string');
}

export function metadata(obj: K8sObject): Record<string, unknown> {
  return rec(obj.metadata) ?? {};
}

export function kindOf(obj: K8sObject): string {
  return str(obj.kind) ?? '';
}

export function nameOf(obj: K8sObject): string {
  return str(metadata(obj).name) ?? '';
}

export function namespaceOf(obj: K8sObject): string {
  return str(metadata(obj).namespace) ?? '';
}

export function uidOf(obj: K8sObject): string {
  return str(metadata(obj).uid) ?? '';
}

const EMPTY: Readonly<Record<string, string>> = Object.freeze({});
// Validated string maps, cached by the identity of the raw map: objects from informers or YAML are never edited in
// place (a change brings a new object), so repeated reads within and across builds cost one lookup.
const stringMaps = new WeakMap<object, Readonly<Record<string, string>>>();

function stringMap(raw: unknown): Readonly<Record<string, string>> {
  const map = rec(raw);
  if (!map) return EMPTY;
  let out = stringMaps.get(map);
  if (!out) {
    const valid: Record<string, string> = {};
    for (const [k, v] of Object.entries(map)) if (typeof v === 'string') valid[k] = v;
    out = Object.freeze(valid);
    stringMaps.set(map, out);
  }
  return out;
}

/** `metadata.annotations`, string values only (read-only). */
export function annotationsOf(obj: K8sObject): Readonly<Record<string, string>> {
  return stringMap(metadata(obj).annotations);
}

/** `metadata.labels`, string values only (read-only). */
export function labelsOf(obj: K8sObject): Readonly<Record<string, string>> {
  return stringMap(metadata(obj).labels);
}

export function specOf(obj: K8sObject): Record<string, unknown> {
  return rec(obj.spec) ?? {};
}

/** `apiVersion` split into group (empty for core) and version. */
export function groupVersionOf(obj: K8sObject): { group: string; version: string } {
  const apiVersion = str(obj.apiVersion) ?? '';
  const slash = apiVersion.indexOf('/');
  if (slash < 0) return { group: '', version: apiVersion };
  return { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

export function refOf(obj: K8sObject): ObjectRef {
  const { group, version } = groupVersionOf(obj);
  const uid = uidOf(obj);
  return {
    kind: kindOf(obj),
    group,
    namespace: namespaceOf(obj),
    name: nameOf(obj),
    ...(version ? { version } : {}),
    ...(uid ? { uid } : {}),
  };
}

/** The object's key (`Kind.group/namespace/name`, see domain/object-ref.ts): the one used everywhere for identity. */
export function keyOf(obj: K8sObject): string {
  return objectKey({
    kind: kindOf(obj),
    group: groupVersionOf(obj).group,
    namespace: namespaceOf(obj),
    name: nameOf(obj),
  });
}

export function keyOfRef(ref: ObjectRef): string {
  return objectKey(ref);
}

/** Decodes a base64 Secret data value; undefined when it is not valid base64 text. */
export function decodeBase64(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const compact = value.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) return undefined;
  return Buffer.from(compact, 'base64').toString('utf8');
}

/** Secret data (base64) merged with stringData (plain), decoded; stringData wins like the API server does. */
export function secretData(obj: K8sObject): Map<string, string> {
  const out = new Map<string, string>();
  const data = rec(obj.data);
  if (data) {
    for (const [k, v] of Object.entries(data)) {
      const decoded = decodeBase64(v);
      if (decoded !== undefined) out.set(k, decoded);
    }
  }
  const stringData = rec(obj.stringData);
  if (stringData) for (const [k, v] of Object.entries(stringData)) if (typeof v === 'string') out.set(k, v);
  return out;
}
