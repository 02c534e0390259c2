import type {
  KongConsumerEntity,
  KongConsumerGroupConsumerEntity,
  KongConsumerGroupEntity,
  KongCredentialEntity,
} from '../declarative.ts';
import { CredentialConflicts } from './credential-conflicts.ts';
import type { ErrorCollector } from './errors.ts';
import {
  type K8sObject,
  labelsOf,
  nameOf,
  namespaceOf,
  nonEmpty,
  secretData,
  str,
  strings,
} from './k8s-object.ts';
import type { PluginBindings } from './plugins.ts';
import type { Snapshot } from './snapshot.ts';
import { tagsForObject } from './tags.ts';

/**
 * Credential type (label `konghq.com/credential` or legacy data key `kongCredType`) → consumer collection, the
 * fields the credential cannot do without (KIC's `New*Credential` checks plus what Kong's schema requires, so a
 * credential Kong would reject is skipped here instead of taking its KongConsumer out of the build). Fields Kong
 * keeps unique across consumers are checked by credential-conflicts.ts.
 */
const CREDENTIAL_TYPES: Readonly<
  Record<string, { collection: keyof KongConsumerEntity; required: readonly string[] }>
> = {
  'key-auth': { collection: 'keyauth_credentials', required: ['key'] },
  'basic-auth': { collection: 'basicauth_credentials', required: ['username', 'password'] },
  'hmac-auth': { collection: 'hmacauth_credentials', required: ['username'] },
  jwt: { collection: 'jwt_secrets', required: ['key'] },
  acl: { collection: 'acls', required: ['group'] },
  oauth2: { collection: 'oauth2_credentials', required: ['name', 'client_id'] },
  'mtls-auth': { collection: 'mtls_auth_credentials', required: ['subject_name'] },
};

/** Kong's `jwt_secrets.algorithm` values; the RSA/PSS/EdDSA ones need `rsa_public_key`. */
const JWT_ALGORITHMS = new Set([
  'HS256',
  'HS384',
  'HS512',
  'RS256',
  'RS384',
  'RS512',
  'ES256',
  'ES384',
  'ES512',
  'PS256',
  'PS384',
  'PS512',
  'EdDSA',
]);

/** Fields Kong's credential entities accept (KIC decodes Secret data into go-kong structs, dropping the rest). */
const CREDENTIAL_FIELDS: Readonly<Record<string, readonly string[]>> = {
  'key-auth': ['key', 'ttl'],
  'basic-auth': ['username', 'password'],
  'hmac-auth': ['username', 'secret'],
  jwt: ['key', 'algorithm', 'rsa_public_key', 'secret'],
  acl: ['group'],
  oauth2: ['name', 'client_id', 'client_secret', 'redirect_uris', 'hash_secret', 'client_type'],
  'mtls-auth': ['subject_name'],
};

export interface ConsumerResult {
  consumers: KongConsumerEntity[];
  groups: KongConsumerGroupEntity[];
  memberships: KongConsumerGroupConsumerEntity[];
}

/**
 * KongConsumerGroups and KongConsumers of our class (KIC's `FillConsumerGroups`, `FillConsumersAndCredentials`):
 * consumers with their credentials from Secrets, group memberships, and plugin bindings.
 */
export function translateConsumers(
  snapshot: Snapshot,
  bindings: PluginBindings,
  errors: ErrorCollector,
): ConsumerResult {
  const groups: KongConsumerGroupEntity[] = [];
  const groupNames = new Set<string>();
  for (const obj of snapshot.list('KongConsumerGroup')) {
    if (!snapshot.annotationMatchesClass(obj)) continue;
    const name = str((obj.metadata as Record<string, unknown>).name)!;
    groups.push({ name, tags: tagsForObject(obj) });
    groupNames.add(`${namespaceOf(obj)}/${name}`);
    bindings.add('consumerGroup', namespaceOf(obj), obj, name);
  }

  const built: { obj: K8sObject; consumer: KongConsumerEntity; identity: string; groups: string[] }[] = [];
  const conflicts = new CredentialConflicts();
  for (const obj of snapshot.list('KongConsumer')) {
    if (!snapshot.annotationMatchesClass(obj)) continue;
    const username = nonEmpty(obj.username);
    const customId = nonEmpty(obj.custom_id);
    if (!username && !customId) {
      errors.reject(obj, 'no username or custom_id specified');
      continue;
    }
    const consumer: KongConsumerEntity = {};
    if (username) consumer.username = username;
    if (customId) consumer.custom_id = customId;
    consumer.tags = tagsForObject(obj);
    const identity = (username ?? customId)!;
    const groups: string[] = [];
    for (const group of strings(obj.consumerGroups)) {
      if (!groupNames.has(`${namespaceOf(obj)}/${group}`)) {
        errors.warn(obj, `nonexistent consumer group "${group}"; membership skipped`);
        continue;
      }
      groups.push(group);
    }
    for (const secretName of strings(obj.credentials)) {
      // KIC logs and skips a credential it cannot build; the consumer and its other credentials still ship.
      // Reported on the Secret (when it exists) and on the consumer; reasons never hold Secret values.
      const problem = addCredential(snapshot, obj, consumer, secretName, conflicts, errors);
      if (!problem) continue;
      const where = `${namespaceOf(obj)}/${secretName}`;
      if (problem.secret) errors.drop(problem.secret, `${problem.reason}; credential skipped`);
      errors.warn(obj, `credential Secret ${where} skipped: ${problem.reason}`);
    }
    built.push({ obj, consumer, identity, groups });
  }

  // KIC's conflict rule: every consumer holding a credential another one also holds is left out, with KIC's
  // message on the consumer and on the credential's Secret.
  const conflicted = new Set<K8sObject>();
  for (const { message, consumer, secret } of conflicts.detect()) {
    conflicted.add(consumer);
    errors.drop(consumer, `${message}; consumer not configured`);
    errors.drop(secret, `${message}; credential of KongConsumer ${nameOf(consumer)} not configured`);
  }
  const consumers: KongConsumerEntity[] = [];
  const memberships: KongConsumerGroupConsumerEntity[] = [];
  for (const { obj, consumer, identity, groups } of built) {
    if (conflicted.has(obj)) continue;
    consumers.push(consumer);
    for (const group of groups) memberships.push({ consumer: identity, consumer_group: group });
    bindings.add('consumer', namespaceOf(obj), obj, identity);
  }
  return { consumers, groups, memberships };
}

interface CredentialProblem {
  /** The credential Secret, when it exists. */
  secret?: K8sObject;
  reason: string;
}

function addCredential(
  snapshot: Snapshot,
  consumerObj: K8sObject,
  consumer: KongConsumerEntity,
  secretName: string,
  conflicts: CredentialConflicts,
  errors: ErrorCollector,
): CredentialProblem | undefined {
  const where = `${namespaceOf(consumerObj)}/${secretName}`;
  const secret = snapshot.get('Secret', namespaceOf(consumerObj), secretName);
  if (!secret) return { reason: 'Secret not found' };
  const problem = (reason: string): CredentialProblem => ({ secret, reason });
  const data = secretData(secret);
  const type = labelsOf(secret)['konghq.com/credential'] ?? data.get('kongCredType');
  if (!type) return problem(`Secret ${where} has no konghq.com/credential label`);
  const spec = CREDENTIAL_TYPES[type];
  if (!spec) return problem(`Secret ${where} has unsupported credential type "${type}"`);
  const credential: KongCredentialEntity = {};
  for (const field of CREDENTIAL_FIELDS[type]!) {
    const value = data.get(field);
    if (value === undefined) continue;
    // Kong accepts no empty strings: an empty required field is missing, an empty optional one is skipped.
    if (value === '') {
      if (!spec.required.includes(field)) errors.warn(secret, `${field} is empty; field skipped`);
      continue;
    }
    if (field === 'redirect_uris') credential[field] = value.split(',');
    else if (field === 'hash_secret') {
      const parsed = parseGoBool(value);
      if (parsed === undefined) errors.warn(secret, 'hash_secret is not a boolean; defaulting to false');
      credential[field] = parsed ?? false;
    } else if (field === 'ttl') {
      if (/^[+-]?\d+$/.test(value)) credential[field] = Number(value);
      else errors.warn(secret, 'ttl is not an integer; field skipped');
    } else credential[field] = value;
  }
  const missing = spec.required.find((field) => credential[field] === undefined);
  if (missing) return problem(`${type} credential Secret ${where} has no \`${missing}\``);
  if (type === 'jwt') {
    const algorithm = String(credential.algorithm ?? 'HS256');
    credential.algorithm = algorithm;
    if (!JWT_ALGORITHMS.has(algorithm))
      return problem(`jwt credential Secret ${where} has an unsupported \`algorithm\``);
    if (
      /^(RS|PS|Ed)/.test(algorithm) &&
      !/-----BEGIN PUBLIC KEY-----/.test(String(credential.rsa_public_key))
    )
      return problem(
        `jwt credential Secret ${where}: algorithm ${algorithm} needs an \`rsa_public_key\` (PEM public key)`,
      );
  }
  conflicts.register(type, credential, secret, consumerObj);
  // Everything but the tags came out of the Secret.
  snapshot.fromSecret(credential);
  credential.tags = tagsForObject(secret);
  const list = (consumer[spec.collection] as KongCredentialEntity[] | undefined) ?? [];
  list.push(credential);
  (consumer as Record<string, unknown>)[spec.collection] = list;
  return undefined;
}

function parseGoBool(value: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  return undefined;
}
