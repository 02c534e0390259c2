/**
 * The certificate the https proxy listener serves for a TLS server name, as Kong picks it: the loaded
 * config's `snis` (exact name first, then a `*.suffix` or `prefix.*` wildcard, then the catch-all `*`) →
 * their certificate; none → the listener's own (Kong's default certificate).
 */
import { createSecureContext, type SecureContext } from 'node:tls';
import type { FlattenedEntities, KongEntity } from '../../validate/index.ts';
import { refId } from './compiled-config.ts';

const contexts = new WeakMap<KongEntity, SecureContext>();
const indexes = new WeakMap<FlattenedEntities, Map<string, KongEntity>>();

function sniIndex(entities: FlattenedEntities): Map<string, KongEntity> {
  const known = indexes.get(entities);
  if (known) return known;
  const certificates = entities.certificates ?? {};
  const index = new Map<string, KongEntity>();
  for (const sni of Object.values(entities.snis ?? {})) {
    const certificate = certificates[refId(sni.certificate) ?? ''];
    if (certificate && typeof sni.name === 'string') index.set(sni.name.toLowerCase(), certificate);
  }
  indexes.set(entities, index);
  return index;
}

/** The certificate entity for `servername`, or undefined for the default one. */
export function certificateForName(entities: FlattenedEntities, servername: string): KongEntity | undefined {
  const index = sniIndex(entities);
  const name = servername.toLowerCase();
  const exact = index.get(name);
  if (exact) return exact;
  const labels = name.split('.');
  return (
    index.get(`*.${labels.slice(1).join('.')}`) ??
    index.get(`${labels.slice(0, -1).join('.')}.*`) ??
    // Kong's catch-all SNI: the certificate for every other name.
    index.get('*')
  );
}

/** The secure context for `servername` (cached per certificate entity), or undefined for the default one. */
export function secureContextForName(
  entities: FlattenedEntities,
  servername: string,
): SecureContext | undefined {
  const certificate = certificateForName(entities, servername);
  if (!certificate || typeof certificate.cert !== 'string' || typeof certificate.key !== 'string')
    return undefined;
  let context = contexts.get(certificate);
  if (!context) {
    context = createSecureContext({ cert: certificate.cert, key: certificate.key });
    contexts.set(certificate, context);
  }
  return context;
}
