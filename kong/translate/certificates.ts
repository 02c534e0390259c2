import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import type { KongCACertificateEntity, KongCertificateEntity } from '../declarative.ts';
import type { ErrorCollector } from './errors.ts';
import { VALID_HOST } from './expressions.ts';
import type { TlsClaims } from './ingress.ts';
import { type K8sObject, labelsOf, secretData, uidOf } from './k8s-object.ts';
import type { Snapshot } from './snapshot.ts';
import { tagsForObject } from './tags.ts';

/**
 * KIC's `getCerts` + `mergeCerts`: one certificate per TLS Secret claimed by an Ingress (or a Service's
 * client-cert), `id` = the Secret's uid, PEM trimmed and checked as a key pair, SNIs sorted. Secrets holding the
 * same pair collapse into one certificate keeping the smallest uid.
 */
export function translateCertificates(
  snapshot: Snapshot,
  tls: TlsClaims,
  errors: ErrorCollector,
): KongCertificateEntity[] {
  const byPair = new Map<string, { cert: KongCertificateEntity; snis: string[] }>();
  const sniOwner = new Map<string, string>();
  for (const key of [...tls.hostsBySecret.keys()].sort()) {
    const slash = key.indexOf('/');
    const secret = snapshot.get('Secret', key.slice(0, slash), key.slice(slash + 1));
    const parents = tls.parentsBySecret.get(key) ?? [];
    if (!secret) {
      for (const parent of parents)
        errors.warn(parent, `TLS Secret ${key} not found; certificate not configured`);
      continue;
    }
    const data = secretData(secret);
    const certPem = data.get('tls.crt')?.trim();
    const keyPem = data.get('tls.key')?.trim();
    const problem = tlsSecretProblem(secret);
    if (problem) {
      // Dropped, not rejected: nothing refers to a certificate that is not emitted (a Service's client-cert
      // checks the same problem), so there is no dependant to exclude and the reasons stay as they are
      // instead of becoming "not found" in a second round without the Secret.
      errors.drop(secret, `Secret ${key}: ${problem}; certificate not configured`);
      for (const parent of parents)
        errors.warn(parent, `TLS Secret ${key} is invalid (${problem}); certificate not configured`);
      continue;
    }
    const identifier = `${certPem}\u0000${keyPem}`;
    const uid = uidOf(secret);
    let entry = byPair.get(identifier);
    if (!entry) {
      const cert: KongCertificateEntity = {
        id: uid,
        cert: snapshot.fromSecret(certPem!),
        key: snapshot.fromSecret(keyPem!),
        tags: tagsForObject(secret),
      };
      entry = { cert, snis: [] };
      byPair.set(identifier, entry);
    } else if (uid && (!entry.cert.id || uid < entry.cert.id)) {
      entry.cert.id = uid;
    }
    for (const host of tls.hostsBySecret.get(key)!) {
      // `*` is the SNI of a default certificate (KIC gives it to Gateway listeners without a hostname).
      if (host !== '*' && !VALID_HOST.test(host)) {
        // SNIs carry no tags: an invalid one would fail the whole config without naming an object.
        for (const parent of parents) errors.warn(parent, `TLS host "${host}" is not a valid SNI; ignored`);
        continue;
      }
      if (sniOwner.has(host)) {
        errors.warn(secret, `SNI ${host} is already served by another certificate; ignored`);
        continue;
      }
      sniOwner.set(host, key);
      entry.snis.push(host);
    }
  }
  const out: KongCertificateEntity[] = [];
  for (const { cert, snis } of byPair.values()) {
    if (snis.length > 0) {
      cert.snis = [...snis]
        .sort()
        .map((name) =>
          cert.id ? { name, certificate: { id: cert.id } } : { name },
        ) as KongCertificateEntity['snis'];
    }
    if (!cert.id) delete (cert as Partial<KongCertificateEntity>).id;
    out.push(cert);
  }
  return out;
}

const tlsProblems = new WeakMap<K8sObject, { problem: string | undefined }>();

/**
 * What is wrong with a TLS Secret's `tls.crt`/`tls.key` pair (missing, empty, not PEM, not a pair), undefined when
 * it is usable. Never quotes key material. Memoised per object (snapshots treat objects as immutable).
 */
export function tlsSecretProblem(secret: K8sObject): string | undefined {
  let entry = tlsProblems.get(secret);
  if (!entry) {
    const data = secretData(secret);
    entry = { problem: pairProblem(data.get('tls.crt'), data.get('tls.key')) };
    tlsProblems.set(secret, entry);
  }
  return entry.problem;
}

function pairProblem(certData: string | undefined, keyData: string | undefined): string | undefined {
  if (certData === undefined) return 'tls.crt is missing';
  if (keyData === undefined) return 'tls.key is missing';
  const certPem = certData.trim();
  const keyPem = keyData.trim();
  if (!certPem) return 'tls.crt is empty';
  if (!keyPem) return 'tls.key is empty';
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    return 'tls.crt is not a PEM certificate';
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem);
  } catch {
    return 'tls.key is not a PEM private key';
  }
  return cert.checkPrivateKey(key) ? undefined : 'the key does not match the certificate';
}

/** Secrets labelled `konghq.com/ca-cert: "true"` of our class → `ca_certificates` (KIC's `getCACerts`). */
export function translateCACertificates(
  snapshot: Snapshot,
  errors: ErrorCollector,
): KongCACertificateEntity[] {
  const out: KongCACertificateEntity[] = [];
  for (const secret of snapshot.list('Secret')) {
    if (labelsOf(secret)['konghq.com/ca-cert'] !== 'true' || !snapshot.annotationMatchesClass(secret))
      continue;
    const data = secretData(secret);
    const id = data.get('id');
    // The Secret's bytes exactly, trailing newline included, as KIC's getCACerts copies them (only TLS pairs
    // are trimmed, by KIC too).
    const cert = data.get('cert');
    if (!id || !cert?.trim()) {
      errors.reject(secret, 'CA certificate Secret needs "id" and "cert" data fields');
      continue;
    }
    try {
      new X509Certificate(cert);
    } catch {
      errors.reject(secret, 'CA certificate "cert" is not a PEM certificate');
      continue;
    }
    out.push({ id, cert: snapshot.fromSecret(cert), tags: tagsForObject(secret) });
  }
  return out;
}
