/**
 * node scripts/deploy/make-certs.ts --out DIR [--namespace kong-fleet] [--admin-service kong-admin] [--days 365]
 *
 * Makes the Admin API mTLS material for deploy (a CA, the proxies' server certificate, the
 * controller's client certificate), a fresh storage key ring, and DIR/secrets.yaml with the three
 * Secrets the Deployments mount.
 * Apply it with `kubectl apply -f DIR/secrets.yaml`. Keep DIR private (it holds the CA key) and out of git.
 * Needs the `openssl` CLI.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createAdminCertificates } from './admin-certs.ts';

const USAGE =
  'usage: node scripts/deploy/make-certs.ts --out DIR [--namespace kong-fleet] [--admin-service kong-admin] [--days 365]';
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function fail(message: string): never {
  process.stderr.write(`make-certs: ${message}\n${USAGE}\n`);
  process.exit(2);
}

let values: Record<string, string | boolean | undefined>;
try {
  ({ values } = parseArgs({
    options: {
      out: { type: 'string' },
      namespace: { type: 'string', default: 'kong-fleet' },
      'admin-service': { type: 'string', default: 'kong-admin' },
      days: { type: 'string', default: '365' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }));
} catch (err) {
  fail((err as Error).message);
}

if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const out = typeof values.out === 'string' ? resolve(values.out) : fail('--out is required');
const namespace = String(values.namespace);
const adminService = String(values['admin-service']);
if (!DNS_LABEL.test(namespace)) fail(`--namespace "${namespace}" is not a namespace name`);
if (!DNS_LABEL.test(adminService)) fail(`--admin-service "${adminService}" is not a Service name`);
const days = Number(values.days);
if (!Number.isInteger(days) || days < 1 || days > 3650)
  fail(`--days must be a whole number from 1 to 3650 (got "${values.days}")`);
// Never replace a CA silently: every proxy and controller trusting it would stop talking to each other.
if (existsSync(join(out, 'kong-fleet-admin-ca.crt')))
  fail(`${out} already holds a CA; choose another --out or remove it first`);

try {
  const made = await createAdminCertificates({ dir: out, namespace, adminService, days });
  process.stdout.write(
    [
      `CA:                 ${made.ca.cert} (key ${made.ca.key}: keep it private)`,
      `proxy server cert:  ${made.server.cert} for ${made.serverName}`,
      `controller client:  ${made.client.cert}`,
      `Secrets:            ${made.secretsFile}`,
      '',
      `next: kubectl apply -f ${made.secretsFile}`,
      '',
    ].join('\n'),
  );
} catch (err) {
  fail((err as Error).message);
}
