/**
 * kong/db/schema/entities/{certificates,snis,ca_certificates}.lua. PEM parsing uses node:crypto (pure
 * computation, no I/O), standing in for OpenSSL; only the message prefixes are guaranteed to match Kong.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mutuallyRequired, type Rec, record } from '../schema.ts';
import * as t from '../typedefs.ts';

const VAULT_REF_RE = /^\{vault:\/\/.+\}$/;
const CERT_BLOCK_RE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * What lua-resty-openssl's `x509.new` (PEM, then DER) leaves in OpenSSL's error queue when neither reads the
 * text: DER decoding of anything that does not open with a SEQUENCE byte fails in the same place, so PEM
 * armour with a broken body always ends with this (Kong 3.10's OpenSSL, 15-off_spec.lua:2151).
 */
const NOT_DER =
  'x509.new: error:688010A:asn1 encoding routines:asn1_item_embed_d2i:nested asn1 error:asn1/tasn_dec.c:349:';
const DER_SEQUENCE = 0x30;

function parseCertificate(pem: string): X509Certificate | string {
  try {
    return new X509Certificate(pem);
  } catch (err) {
    return pem.charCodeAt(0) === DER_SEQUENCE ? (err as Error).message : NOT_DER;
  }
}

function certError(v: string): string | undefined {
  if (VAULT_REF_RE.test(v)) return undefined;
  const parsed = parseCertificate(v);
  return typeof parsed === 'string' ? `invalid certificate: ${parsed}` : undefined;
}

function keyError(v: string): string | undefined {
  if (VAULT_REF_RE.test(v)) return undefined;
  try {
    createPrivateKey(v);
    return undefined;
  } catch (err) {
    return `invalid key: ${(err as Error).message}`;
  }
}

function pairMatches(cert: unknown, key: unknown): boolean {
  if (typeof cert !== 'string' || typeof key !== 'string') return true;
  if (VAULT_REF_RE.test(cert) || VAULT_REF_RE.test(key)) return true;
  try {
    return new X509Certificate(cert).checkPrivateKey(createPrivateKey(key));
  } catch {
    return false;
  }
}

function keyType(key: unknown): string | undefined {
  try {
    return typeof key === 'string' ? createPrivateKey(key).asymmetricKeyType : undefined;
  } catch {
    return undefined;
  }
}

export const certificates = record(
  [
    ['id', t.uuidField],
    ['created_at', t.timestamp],
    ['updated_at', t.timestamp],
    ['cert', { type: 'string', required: true, custom: certError }],
    ['key', { type: 'string', required: true, custom: keyError }],
    ['cert_alt', { type: 'string', custom: certError }],
    ['key_alt', { type: 'string', custom: keyError }],
    ['tags', t.tags],
  ],
  [
    mutuallyRequired(['cert_alt', 'key_alt']),
    {
      fields: ['cert', 'key'],
      run: (e: Rec) => (pairMatches(e.cert, e.key) ? undefined : 'certificate does not match key'),
    },
    {
      fields: ['cert_alt', 'key_alt'],
      run: (e: Rec) =>
        pairMatches(e.cert_alt, e.key_alt) ? undefined : 'alternative certificate does not match key',
    },
    {
      fields: ['key', 'key_alt'],
      run: (e: Rec) => {
        if (e.key_alt === null || e.key_alt === undefined) return undefined;
        const main = keyType(e.key);
        return main !== undefined && main === keyType(e.key_alt)
          ? 'certificate and alternative certificate need to have different type (e.g. RSA and ECDSA), the provided certificates were both of the same type'
          : undefined;
      },
    },
  ],
);

export const snis = record([
  ['id', t.uuidField],
  // A bare `*` names the default certificate (11-snis_spec.lua:49 "accepts a * for default certificate").
  [
    'name',
    {
      ...t.sni,
      required: true,
      unique: true,
      custom: (v: string) => (v === '*' ? undefined : (t.sni.custom as (v: string) => string | undefined)(v)),
    },
  ],
  ['created_at', t.timestamp],
  ['updated_at', t.timestamp],
  ['tags', t.tags],
  ['certificate', { type: 'foreign', reference: 'certificates', required: true }],
]);

function caCertError(v: string): string | undefined {
  const blocks = v.match(CERT_BLOCK_RE) ?? [];
  if (blocks.length > 1) return 'please submit only one certificate at a time';
  const parsed = parseCertificate(v);
  if (typeof parsed === 'string') return `invalid certificate: ${parsed}`;
  return undefined;
}

export const caCertificates = record(
  [
    ['id', t.uuidField],
    ['created_at', t.timestamp],
    ['updated_at', t.timestamp],
    ['cert', { type: 'string', required: true, custom: caCertError }],
    ['cert_digest', { type: 'string', unique: true, auto: true }],
    ['tags', t.tags],
  ],
  [
    {
      fields: ['cert'],
      run: (e: Rec) => {
        const parsed = parseCertificate(e.cert as string);
        if (typeof parsed === 'string') return undefined;
        if (!parsed.ca)
          return 'certificate does not appear to be a CA because it is missing the "CA" basic constraint';
        if (Date.parse(parsed.validTo) < Date.now())
          return 'certificate expired, "Not After" time is in the past';
        return undefined;
      },
    },
  ],
);
