import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CoreV1Api, KubeConfig, type V1EndpointSlice } from '@kubernetes/client-node';
import { inject } from 'vitest';
import { renderKubeconfig } from '../../scripts/control-plane.d/kubeconfig.ts';
import { kubectl as runKubectl } from '../../scripts/control-plane.d/kubectl.ts';
import {
  createEndpointSlice as createSlice,
  type EndpointSliceOptions,
} from '../../testing/endpoint-slice.ts';

/** Admin kubeconfig path of the run's kube-apiserver (see test/setup/control-plane.ts). */
export function kubeconfigPath(): string {
  return inject('kubeconfig');
}

/** A KubeConfig for the run's control plane as admin, or for another kubeconfig file. */
export function kubeConfig(path: string = kubeconfigPath()): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

export interface KubectlCallOptions {
  /** Written to kubectl's stdin. */
  input?: string;
  /** @defaultValue the run's admin kubeconfig */
  kubeconfig?: string;
}

/** Runs the run's kubectl (the one matching the server) and resolves to its stdout. */
export function kubectl(
  args: readonly string[],
  { input, kubeconfig = kubeconfigPath() }: KubectlCallOptions = {},
) {
  return runKubectl(args, {
    kubectl: inject('kubectl'),
    kubeconfig,
    ...(input === undefined ? {} : { input }),
  });
}

export interface ApplyOptions {
  /** Namespace for objects that name none. */
  namespace?: string;
  /** @defaultValue the run's admin kubeconfig */
  kubeconfig?: string;
}

/** `kubectl apply` of YAML text, or of a file with `{ file }`. Resolves to kubectl's output. */
export function kubectlApply(
  manifest: string | { file: string },
  { namespace, kubeconfig }: ApplyOptions = {},
) {
  const ns = namespace ? [`--namespace=${namespace}`] : [];
  if (typeof manifest === 'string')
    return kubectl(['apply', ...ns, '-f', '-'], { input: manifest, kubeconfig });
  return kubectl(['apply', ...ns, '-f', manifest.file], { kubeconfig });
}

/**
 * Creates a namespace no other test uses and returns its name. Tests never delete it: a bare apiserver has
 * no namespace controller, so a deleted namespace stays Terminating forever; the whole control plane is
 * thrown away after the run instead.
 */
export async function freshNamespace(label = 'test', kc: KubeConfig = kubeConfig()): Promise<string> {
  const name = `kf-${label}-${randomUUID().slice(0, 8)}`.toLowerCase();
  await kc
    .makeApiClient(CoreV1Api)
    .createNamespace({ body: { metadata: { name, labels: { 'kong-fleet/test': label } } } });
  return name;
}

export type { EndpointSliceOptions } from '../../testing/endpoint-slice.ts';

/** testing/endpoint-slice.ts with the run's admin credentials by default. */
export function createEndpointSlice(
  options: EndpointSliceOptions,
  kc: KubeConfig = kubeConfig(),
): Promise<V1EndpointSlice> {
  return createSlice(kc, options);
}

export interface ServiceAccountCredentials {
  /** The bearer token from the TokenRequest API (a secret: never log it). */
  token: string;
  /** A kubeconfig file (mode 0600) that authenticates as the ServiceAccount, e.g. to run the controller as it. */
  kubeconfigPath: string;
  kubeConfig: KubeConfig;
  /** `system:serviceaccount:<namespace>:<name>` */
  username: string;
}

export interface ServiceAccountOptions {
  namespace: string;
  name: string;
  /** Token lifetime. @defaultValue 3600 */
  expirationSeconds?: number;
  /**
   * Where the kubeconfig file goes. @defaultValue the run's control-plane folder, which is deleted with the
   * control plane, so no token outlives the run
   */
  dir?: string;
}

/**
 * Creates a ServiceAccount (no rights: RBAC grants nothing by default), asks the TokenRequest API for a
 * token and writes a kubeconfig that uses it. Bind Roles to `username` to grant rights.
 */
export async function serviceAccountCredentials(
  options: ServiceAccountOptions,
  admin: KubeConfig = kubeConfig(),
): Promise<ServiceAccountCredentials> {
  await admin.makeApiClient(CoreV1Api).createNamespacedServiceAccount({
    namespace: options.namespace,
    body: { metadata: { name: options.name } },
  });
  return serviceAccountToken(options, admin);
}

/**
 * A kubeconfig that authenticates as an existing ServiceAccount (e.g. one deploy installed), with a
 * token from the TokenRequest API, as the kubelet mounts into a pod.
 */
export async function serviceAccountToken(
  { namespace, name, expirationSeconds = 3600, dir = dirname(kubeconfigPath()) }: ServiceAccountOptions,
  admin: KubeConfig = kubeConfig(),
): Promise<ServiceAccountCredentials> {
  const request = await admin.makeApiClient(CoreV1Api).createNamespacedServiceAccountToken({
    name,
    namespace,
    body: { spec: { audiences: [], expirationSeconds } },
  });
  const token = request.status?.token;
  if (!token) throw new Error(`TokenRequest for ServiceAccount ${namespace}/${name} returned no token`);
  const cluster = admin.getCurrentCluster();
  if (!cluster?.caData)
    throw new Error('the admin kubeconfig has no cluster with certificate-authority-data');
  const file = join(dir, `sa-${namespace}-${name}.kubeconfig`);
  const text = renderKubeconfig({
    server: cluster.server,
    caPem: Buffer.from(cluster.caData, 'base64').toString('utf8'),
    user: { token },
    userName: `${namespace}-${name}`,
  });
  await writeFile(file, text, { mode: 0o600 });
  return {
    token,
    kubeconfigPath: file,
    kubeConfig: kubeConfig(file),
    username: `system:serviceaccount:${namespace}:${name}`,
  };
}
