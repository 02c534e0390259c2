import { randomBytes } from 'node:crypto';
/**
 * The Admin API mTLS material deploy expects: one CA, a server certificate for the Kong pods
 * (KIC's name `pod.<admin service>.<namespace>.svc`), a client certificate for the controller, and the
 * two Secrets that carry them. Keys are written to files (mode 0600) and into the Secrets manifest only;
 * nothing here logs them.
 */
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type CaFiles,
  type CertificateFiles,
  createCa,
  createClientCertificate,
  createServerCertificate,
} from '@kong-fleet/kong-dbless/simulator';
import { stringify } from 'yaml';

/** Secret the Kong Deployment mounts (deploy/kong-proxy.yaml). */
export const ADMIN_SERVER_SECRET = 'kong-admin-tls';
/** Secret the controller Deployment mounts (deploy/controller.yaml). */
export const CONTROLLER_CLIENT_SECRET = 'kong-fleet-admin-client-tls';
/** The key ring sealing Secrets and build texts in Redis (KONG_FLEET_STORAGE_KEY_FILE). */
export const STORAGE_KEY_SECRET = 'kong-fleet-storage-key';

export interface AdminCertificateOptions {
  /** Folder for the PEM files and `secrets.yaml`; created when missing. */
  readonly dir: string;
  /** Namespace of the install. @defaultValue 'kong-fleet' */
  readonly namespace?: string;
  /** The proxies' headless admin Service. @defaultValue 'kong-admin' */
  readonly adminService?: string;
  /** Validity of every certificate, in days. @defaultValue 365 */
  readonly days?: number;
}

export interface AdminCertificates {
  readonly ca: CaFiles;
  readonly server: CertificateFiles;
  readonly client: CertificateFiles;
  /** The name the controller verifies on every proxy. */
  readonly serverName: string;
  /** Both Secrets, ready for `kubectl apply -f`. Holds private keys: mode 0600. */
  readonly secretsFile: string;
}

/** PEM text of the certificates, for renderSecrets. */
export interface AdminPems {
  readonly ca: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
}

/**
 * The two kubernetes.io/tls Secrets: the proxies' server certificate with the CA their nginx verifies
 * clients against, and the controller's client certificate with the CA it verifies proxies against.
 */
export function renderSecrets(namespace: string, pems: AdminPems): string {
  const secret = (name: string, component: string, cert: string, key: string) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: {
      name,
      namespace,
      labels: { 'app.kubernetes.io/part-of': 'kong-fleet', 'app.kubernetes.io/component': component },
    },
    data: {
      'tls.crt': Buffer.from(cert).toString('base64'),
      'tls.key': Buffer.from(key).toString('base64'),
      'ca.crt': Buffer.from(pems.ca).toString('base64'),
    },
  });
  return [
    secret(ADMIN_SERVER_SECRET, 'proxy', pems.serverCert, pems.serverKey),
    secret(CONTROLLER_CLIENT_SECRET, 'controller', pems.clientCert, pems.clientKey),
  ]
    .map((doc) => stringify(doc))
    .join('---\n');
}

/**
 * The Opaque Secret holding the controller's storage key ring: one fresh 32-byte key, id `k1`.
 * Rotation (README, "Encryption at rest") edits this Secret; the controller re-reads the file.
 */
export function renderStorageKeySecret(namespace: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: {
      name: STORAGE_KEY_SECRET,
      namespace,
      labels: { 'app.kubernetes.io/part-of': 'kong-fleet', 'app.kubernetes.io/component': 'controller' },
    },
    stringData: { keys: `k1:${randomBytes(32).toString('base64')}\n` },
  });
}

/** Creates the CA, both certificates, the storage key and `secrets.yaml` in `options.dir`. */
export async function createAdminCertificates(options: AdminCertificateOptions): Promise<AdminCertificates> {
  const { dir, namespace = 'kong-fleet', adminService = 'kong-admin', days = 365 } = options;
  const serverName = `pod.${adminService}.${namespace}.svc`;
  const ca = await createCa(dir, 'kong-fleet-admin-ca', days);
  // The folder holds the CA key: private to its owner.
  await chmod(dir, 0o700);
  const server = await createServerCertificate(ca, {
    commonName: serverName,
    altNames: [serverName],
    days,
    name: 'kong-admin-server',
  });
  const client = await createClientCertificate(ca, {
    commonName: 'kong-fleet-controller',
    days,
    name: 'kong-fleet-client',
  });
  for (const key of [ca.key, server.key, client.key]) await chmod(key, 0o600);
  const read = (path: string) => readFile(path, 'utf8');
  const secretsFile = join(dir, 'secrets.yaml');
  const manifest = renderSecrets(namespace, {
    ca: await read(ca.cert),
    serverCert: await read(server.cert),
    serverKey: await read(server.key),
    clientCert: await read(client.cert),
    clientKey: await read(client.key),
  });
  await writeFile(secretsFile, `${manifest}---\n${renderStorageKeySecret(namespace)}`, { mode: 0o600 });
  return { ca, server, client, serverName, secretsFile };
}
