import { A } from './annotations.ts';
import {
  annotationsOf,
  type K8sObject,
  kindOf,
  labelsOf,
  namespaceOf,
  nonEmpty,
  rec,
  records,
  specOf,
  str,
  strings,
} from './k8s-object.ts';

/** The label that makes a Secret a CA certificate of the config whether or not anything names it (KIC). */
export const CA_CERT_LABEL = 'konghq.com/ca-cert';

/**
 * The Secrets (`namespace/name`) an object makes the translator read: Ingress TLS, plugin
 * `configFrom`/`configPatches`, consumer credentials, a Service's client certificate and CA
 * certificates, Gateway listener certificates. The controller stores only these (and Secrets a
 * label admits), so an unrelated Secret never reaches Redis. Pure.
 */
export function secretReferencesOf(obj: K8sObject): string[] {
  const ns = namespaceOf(obj);
  const out: string[] = [];
  const add = (namespace: string | undefined, name: string | undefined) => {
    if (namespace && name) out.push(`${namespace}/${name}`);
  };
  switch (kindOf(obj)) {
    case 'Ingress':
      for (const tls of records(specOf(obj).tls)) add(ns, nonEmpty(tls.secretName));
      break;
    case 'KongPlugin':
    case 'KongClusterPlugin': {
      const cluster = kindOf(obj) === 'KongClusterPlugin';
      const refs = [rec(rec(obj.configFrom)?.secretKeyRef)];
      for (const patch of records(obj.configPatches)) refs.push(rec(rec(patch.valueFrom)?.secretKeyRef));
      for (const ref of refs) if (ref) add(cluster ? str(ref.namespace) : ns, str(ref.name));
      break;
    }
    case 'KongConsumer':
      for (const name of strings(obj.credentials)) add(ns, name);
      break;
    case 'Service': {
      const annotations = annotationsOf(obj);
      add(ns, nonEmpty(annotations[A.clientCert]));
      for (const name of (annotations[A.caCertSecrets] ?? '').split(',')) add(ns, nonEmpty(name.trim()));
      break;
    }
    case 'BackendTLSPolicy':
      for (const name of caRefNames(obj, 'Secret')) add(ns, name);
      break;
    case 'Gateway':
      for (const listener of records(specOf(obj).listeners)) {
        for (const ref of records(rec(listener.tls)?.certificateRefs)) {
          if ((str(ref.kind) ?? 'Secret') !== 'Secret' || (str(ref.group) ?? '') !== '') continue;
          add(nonEmpty(ref.namespace) ?? ns, str(ref.name));
        }
      }
      break;
  }
  return [...new Set(out)];
}

/**
 * The ConfigMaps (`namespace/name`) an object makes the translator read: a Service's
 * `konghq.com/ca-certificates-configmaps`, a BackendTLSPolicy's ConfigMap `caCertificateRefs`. Like Secrets, only these (and CA-certificate ConfigMaps, by label) are
 * stored, so the cluster's many unrelated ConfigMaps never reach Redis. Pure.
 */
export function configMapReferencesOf(obj: K8sObject): string[] {
  const ns = namespaceOf(obj);
  if (kindOf(obj) === 'BackendTLSPolicy')
    return [...new Set(caRefNames(obj, 'ConfigMap').map((n) => `${ns}/${n}`))];
  if (kindOf(obj) !== 'Service') return [];
  const names = (annotationsOf(obj)[A.caCertConfigMaps] ?? '').split(',').map((name) => name.trim());
  return [...new Set(names.filter(Boolean).map((name) => `${ns}/${name}`))];
}

/** A BackendTLSPolicy's `validation.caCertificateRefs` of a core kind (always in the policy's namespace). */
function caRefNames(policy: K8sObject, kind: 'ConfigMap' | 'Secret'): string[] {
  const refs = records(rec(specOf(policy).validation)?.caCertificateRefs);
  return refs
    .filter((r) => (str(r.group) ?? '') === '' && str(r.kind) === kind)
    .map((r) => nonEmpty(r.name))
    .filter((n): n is string => n !== undefined);
}

/** Whether a ConfigMap is wanted without a reference: the CA-certificate label (KIC's `ListCACerts`). */
export function configMapAdmittedByLabels(configMap: K8sObject): boolean {
  return labelsOf(configMap)[CA_CERT_LABEL] === 'true';
}

/** Whether a Secret is wanted without a reference: the CA-certificate label, or every label of `selector`. */
export function secretAdmittedByLabels(
  secret: K8sObject,
  selector: Readonly<Record<string, string>>,
): boolean {
  const labels = labelsOf(secret);
  if (labels[CA_CERT_LABEL] === 'true') return true;
  const wanted = Object.entries(selector);
  return wanted.length > 0 && wanted.every(([key, value]) => labels[key] === value);
}
