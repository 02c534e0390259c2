import { X509Certificate } from 'node:crypto';
import type { KongCACertificateEntity } from '../declarative.ts';
import type { ErrorCollector } from './errors.ts';
import { isRecord, type K8sObject, str } from './k8s-object.ts';
import { CA_CERT_LABEL, configMapAdmittedByLabels } from './secret-references.ts';
import type { Snapshot } from './snapshot.ts';
import { tagsForObject } from './tags.ts';

/**
 * ConfigMaps labelled `konghq.com/ca-cert: "true"` of our class → `ca_certificates`, as KIC's `getCACerts` turns
 * them (beside CA Secrets): `id` is the entity id (what `konghq.com/ca-certificates-configmaps` on a Service
 * resolves to), the PEM is `cert` or else `ca.crt`, and it must be a CA certificate. A ConfigMap that fails is left
 * out with the reason on it. (KIC also drops expired certificates; that needs a clock, which the translator has not:
 * Kong itself accepts an expired CA.)
 */
export function translateCAConfigMaps(snapshot: Snapshot, errors: ErrorCollector): KongCACertificateEntity[] {
  const out: KongCACertificateEntity[] = [];
  for (const configMap of snapshot.list('ConfigMap')) {
    if (!configMapAdmittedByLabels(configMap) || !snapshot.annotationMatchesClass(configMap)) continue;
    const entity = caCertificateOf(configMap);
    if (typeof entity === 'string')
      errors.reject(configMap, `CA certificate ConfigMap (${CA_CERT_LABEL}): ${entity}`);
    else out.push(entity);
  }
  return out;
}

function caCertificateOf(configMap: K8sObject): KongCACertificateEntity | string {
  const data = isRecord(configMap.data) ? configMap.data : {};
  const id = str(data.id);
  if (!id) return 'the "id" data field is missing';
  const cert = (str(data.cert) ?? str(data['ca.crt']))?.trim();
  if (!cert) return 'neither a "cert" nor a "ca.crt" data field';
  let parsed: X509Certificate;
  try {
    parsed = new X509Certificate(cert);
  } catch {
    return 'the certificate is not a PEM certificate';
  }
  if (!parsed.ca) return "the certificate is missing the 'CA' basic constraint";
  return { id, cert, tags: tagsForObject(configMap) };
}
