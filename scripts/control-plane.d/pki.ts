import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where each file of the control plane's PKI lives (all PEM). */
export interface PkiFiles {
  caCert: string;
  caKey: string;
  /** The apiserver's serving certificate (SANs: localhost, 127.0.0.1, the `kubernetes` Service IP). */
  servingCert: string;
  servingKey: string;
  /** The admin client certificate: CN=admin, O=system:masters (RBAC's superuser group). */
  adminCert: string;
  adminKey: string;
  /** Client certificate CN=system:kube-controller-manager (the bootstrap RBAC role of that name applies). */
  controllerManagerCert: string;
  controllerManagerKey: string;
  /** Client certificate CN=system:kube-scheduler. */
  schedulerCert: string;
  schedulerKey: string;
  /** RSA pair the apiserver signs ServiceAccount tokens with (TokenRequest) and verifies them against. */
  serviceAccountKey: string;
  serviceAccountPublicKey: string;
}

export interface PkiOptions {
  /** The IP the apiserver's `kubernetes` Service gets (first address of the service CIDR). */
  kubernetesServiceIp: string;
  /** Validity of every certificate. @defaultValue 30 */
  days?: number;
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** The PKI file names inside `dir` (whether or not they exist yet). */
export function pkiFilesIn(dir: string): PkiFiles {
  const at = (name: string) => join(dir, name);
  return {
    caCert: at('ca.crt'),
    caKey: at('ca.key'),
    servingCert: at('apiserver.crt'),
    servingKey: at('apiserver.key'),
    adminCert: at('admin.crt'),
    adminKey: at('admin.key'),
    controllerManagerCert: at('controller-manager.crt'),
    controllerManagerKey: at('controller-manager.key'),
    schedulerCert: at('scheduler.crt'),
    schedulerKey: at('scheduler.key'),
    serviceAccountKey: at('sa.key'),
    serviceAccountPublicKey: at('sa.pub'),
  };
}

/**
 * Writes a fresh throwaway PKI into `dir` with the openssl CLI (Node can sign nothing itself): one CA that
 * signs the serving certificate and the admin client certificate, plus the ServiceAccount token key pair.
 * The keys never leave `dir` (mode 0700) and are never logged.
 */
export async function createPki(
  dir: string,
  { kubernetesServiceIp, days = 30 }: PkiOptions,
): Promise<PkiFiles> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const at = (name: string) => join(dir, name);
  const files = pkiFilesIn(dir);
  const openssl = async (...args: string[]) => {
    try {
      await run('openssl', args, { cwd: dir });
    } catch (err) {
      const stderr = (err as { stderr?: string }).stderr ?? '';
      throw new Error(`control-plane PKI: 'openssl ${args[0]}' failed in ${dir}: ${stderr.trim()}`, {
        cause: err,
      });
    }
  };
  const sign = async (name: string, subject: string, extensions: string) => {
    await writeFile(at(`${name}.ext`), extensions);
    await openssl(
      'req',
      ...EC_KEY,
      '-keyout',
      at(`${name}.key`),
      '-out',
      at(`${name}.csr`),
      '-subj',
      subject,
    );
    await openssl(
      'x509',
      '-req',
      '-in',
      at(`${name}.csr`),
      '-CA',
      files.caCert,
      '-CAkey',
      files.caKey,
      '-CAcreateserial',
      '-days',
      String(days),
      '-out',
      at(`${name}.crt`),
      '-extfile',
      at(`${name}.ext`),
    );
  };

  await openssl(
    'req',
    '-x509',
    ...EC_KEY,
    '-keyout',
    files.caKey,
    '-out',
    files.caCert,
    '-days',
    String(days),
    '-subj',
    '/CN=kong-fleet-control-plane-ca',
  );
  await sign(
    'apiserver',
    '/CN=kube-apiserver',
    [
      `subjectAltName=DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,IP:127.0.0.1,IP:${kubernetesServiceIp}`,
      'extendedKeyUsage=serverAuth',
      'keyUsage=critical,digitalSignature',
      '',
    ].join('\n'),
  );
  await sign(
    'admin',
    '/O=system:masters/CN=admin',
    'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n',
  );
  const clientUsage = 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n';
  await sign('controller-manager', '/CN=system:kube-controller-manager', clientUsage);
  await sign('scheduler', '/CN=system:kube-scheduler', clientUsage);
  await openssl(
    'genpkey',
    '-algorithm',
    'RSA',
    '-pkeyopt',
    'rsa_keygen_bits:2048',
    '-out',
    files.serviceAccountKey,
  );
  await openssl('pkey', '-in', files.serviceAccountKey, '-pubout', '-out', files.serviceAccountPublicKey);
  return files;
}
