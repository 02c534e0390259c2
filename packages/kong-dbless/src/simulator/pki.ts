/**
 * A small test/demo PKI on the `openssl` CLI: a CA, server certificates with SANs and client certificates,
 * written as PEM files into a directory. Returns file paths; keys never leave the directory.
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface CertificateFiles {
  cert: string;
  key: string;
}

export interface CaFiles extends CertificateFiles {
  dir: string;
  name: string;
}

export interface IssueOptions {
  /** Subject common name. */
  commonName: string;
  /** DNS names and IPs for subjectAltName (IPs are detected). @defaultValue [] */
  altNames?: string[];
  /** Validity in days. @defaultValue 30 */
  days?: number;
  /** File name stem. @defaultValue commonName with unsafe characters replaced */
  name?: string;
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args);
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`openssl ${args[0]} failed: ${(e.stderr ?? e.message).trim()}`);
  }
}

const stem = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');

/** Creates a self-signed CA (`<name>.crt`, `<name>.key`) in `dir`. */
export async function createCa(dir: string, name = 'ca', days = 30): Promise<CaFiles> {
  await mkdir(dir, { recursive: true });
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  await openssl([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    String(days),
    '-subj',
    `/CN=${name}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return { dir, name, cert, key };
}

async function issue(
  ca: CaFiles,
  options: IssueOptions,
  usage: 'serverAuth' | 'clientAuth',
): Promise<CertificateFiles> {
  const name = options.name ?? stem(options.commonName);
  const key = join(ca.dir, `${name}.key`);
  const csr = join(ca.dir, `${name}.csr`);
  const cert = join(ca.dir, `${name}.crt`);
  const ext = join(ca.dir, `${name}.ext`);
  const sans = (options.altNames ?? []).map((n) => (/^[\d.]+$|:/.test(n) ? `IP:${n}` : `DNS:${n}`));
  await writeFile(
    ext,
    [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      `extendedKeyUsage=${usage}`,
      ...(sans.length > 0 ? [`subjectAltName=${sans.join(',')}`] : []),
    ].join('\n'),
  );
  await openssl([
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    key,
    '-out',
    csr,
    '-subj',
    `/CN=${options.commonName}`,
  ]);
  await openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.cert,
    '-CAkey',
    ca.key,
    '-CAcreateserial',
    '-out',
    cert,
    '-days',
    String(options.days ?? 30),
    '-extfile',
    ext,
  ]);
  return { cert, key };
}

/** A server certificate signed by `ca`, e.g. altNames `['127.0.0.1', 'localhost', 'pod.kong-admin.kong.svc']`. */
export function createServerCertificate(ca: CaFiles, options: IssueOptions): Promise<CertificateFiles> {
  return issue(ca, options, 'serverAuth');
}

/** A client certificate signed by `ca` (for Admin API mTLS). */
export function createClientCertificate(ca: CaFiles, options: IssueOptions): Promise<CertificateFiles> {
  return issue(ca, options, 'clientAuth');
}
