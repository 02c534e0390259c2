import { readFile } from 'node:fs/promises';
import { waitFor } from '../../lib/wait-for.ts';
import { type ClientTls, probe } from './http-probe.ts';
import type { PkiFiles } from './pki.ts';
import { isOurProcess, startDetached } from './processes.ts';
import { rethrowStartupError, StartupError } from './startup-error.ts';

/** ClusterIPs come from here; a /16 leaves room for benchmarks with thousands of Services. */
export const SERVICE_CIDR = '10.96.0.0/16';
/** The `kubernetes` Service's ClusterIP: the first address of SERVICE_CIDR (in the serving cert's SANs). */
export const KUBERNETES_SERVICE_IP = '10.96.0.1';

export interface ApiserverOptions {
  binary: string;
  etcdClientPort: number;
  securePort: number;
  pki: PkiFiles;
  logFile: string;
  /** How long until `/readyz` must answer 200 (RBAC bootstrap alone took 30 s on slow 2-core runners). @defaultValue 90000 */
  readyTimeoutMs?: number;
}

/**
 * envtest's kube-apiserver flags (controller-runtime pkg/internal/testing/controlplane/apiserver.go), plus:
 * `--advertise-address` so it starts on a machine without a default route, and
 * `--endpoint-reconciler-type=none` because a loopback address is not a valid Endpoints address.
 */
export function apiserverArgs({ etcdClientPort, securePort, pki }: ApiserverOptions): string[] {
  return [
    `--etcd-servers=http://127.0.0.1:${etcdClientPort}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${securePort}`,
    `--tls-cert-file=${pki.servingCert}`,
    `--tls-private-key-file=${pki.servingKey}`,
    `--client-ca-file=${pki.caCert}`,
    // TokenRequest: tokens are signed with this key and verified against the public half.
    `--service-account-issuer=https://127.0.0.1:${securePort}/`,
    `--service-account-key-file=${pki.serviceAccountPublicKey}`,
    `--service-account-signing-key-file=${pki.serviceAccountKey}`,
    '--authorization-mode=RBAC',
    // No controller-manager creates a `default` ServiceAccount per namespace, which this plugin demands.
    '--disable-admission-plugins=ServiceAccount',
    `--service-cluster-ip-range=${SERVICE_CIDR}`,
    '--allow-privileged=true',
    '--endpoint-reconciler-type=none',
    '--profiling=false',
    // Close open watches when asked to stop (else Go's HTTP server waits for them until SIGKILL).
    '--shutdown-watch-termination-grace-period=2s',
  ];
}

/** The admin client's TLS material, read from the PKI files. */
export async function adminTls(pki: PkiFiles): Promise<ClientTls> {
  const [ca, cert, key] = await Promise.all([
    readFile(pki.caCert, 'utf8'),
    readFile(pki.adminCert, 'utf8'),
    readFile(pki.adminKey, 'utf8'),
  ]);
  return { ca, cert, key };
}

/**
 * Starts kube-apiserver and waits until `/readyz` is 200 (etcd reachable, RBAC bootstrap roles and the
 * other post-start hooks done) and the `default` namespace exists. Returns the pid.
 */
export async function startApiserver(options: ApiserverOptions): Promise<number> {
  const { binary, logFile, securePort, pki, readyTimeoutMs = 90_000 } = options;
  const tls = await adminTls(pki);
  const server = `https://127.0.0.1:${securePort}`;
  const pid = startDetached({ command: binary, args: apiserverArgs(options), logFile });
  await waitFor(
    async () => {
      if (!isOurProcess(pid, binary)) throw new StartupError('kube-apiserver', logFile);
      return (
        (await probe(`${server}/readyz`, tls)) === 200 &&
        (await probe(`${server}/api/v1/namespaces/default`, tls)) === 200
      );
    },
    { timeoutMs: readyTimeoutMs, intervalMs: 200, description: `kube-apiserver on ${server} to be ready` },
  ).catch(rethrowStartupError);
  return pid;
}
