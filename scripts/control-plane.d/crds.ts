import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from '../../lib/wait-for.ts';
import { kubectl } from './kubectl.ts';
import { REPO_ROOT } from './locations.ts';

const run = promisify(execFile);

/** Gateway API channel: `experimental` is a superset of `standard` (adds TCPRoute/UDPRoute fields, X* kinds). */
export type GatewayApiChannel = 'standard' | 'experimental';

/** A Go module whose `config/crd` folders hold CRDs users already have installed in their clusters. */
export interface CrdModule {
  /** Short name used for the cache folder. */
  name: string;
  module: string;
  version: string;
  /** go.sum-style `h1:` hash of the module zip; the download is rejected unless it matches. */
  sum: string;
  /** Folders inside the module whose `*.yaml` (but kustomization.yaml) are applied. */
  folders: string[];
  /**
   * The module proxy serves this module but the checksum database does not know it (it answers 404), so
   * `go` is told not to ask it; `sum` above (recorded at the first download) is what protects the bytes.
   */
  notInChecksumDb?: boolean;
}

/**
 * The pinned CRD sources.
 * - Kong's CRDs (configuration.konghq.com) come from github.com/kong/kubernetes-configuration v1.5.2, the
 *   newest release the module proxy serves (the /v2 module is refused by the proxy); `ingress-controller`
 *   is what KIC installs, `ingress-controller-incubator` adds KongServiceFacade. The `gateway-operator`
 *   folder is the operator's and is left out.
 * - Gateway API v1.6.3 is the newest whose go.mod the local Go 1.26 accepts (v1.7.0 needs go 1.27). Its
 *   v1alpha2 TCPRoute/UDPRoute/TLSRoute versions are still served, so KIC-era manifests apply unchanged.
 */
export function crdModules(channel: GatewayApiChannel): CrdModule[] {
  return [
    {
      name: 'kong-kubernetes-configuration',
      module: 'github.com/kong/kubernetes-configuration',
      version: 'v1.5.2',
      sum: 'h1:E7aL+M7/wnqOkG3WXcO0Kx4Ru/7IM2WwtFv6h8Rx05w=',
      folders: ['config/crd/ingress-controller', 'config/crd/ingress-controller-incubator'],
      notInChecksumDb: true,
    },
    {
      name: `gateway-api-${channel}`,
      module: 'sigs.k8s.io/gateway-api',
      version: 'v1.6.3',
      sum: 'h1:lKpJa5bGlraC/QeACvCpsHLdmO6y0iKfzVl6gzaFEYc=',
      folders: [`config/crd/${channel}`],
    },
  ];
}

const isManifest = (file: string) => file.endsWith('.yaml') && file !== 'kustomization.yaml';

async function manifestsIn(folder: string): Promise<string[]> {
  const files = await readdir(folder);
  return files
    .filter(isManifest)
    .sort()
    .map((file) => join(folder, file));
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

/**
 * The module's CRD manifests, copied once into `<cacheRoot>/crds/<name>@<version>/` so later runs need
 * neither `go` nor the network. The first call downloads the module with `go mod download`.
 */
export async function cachedCrdManifests(cacheRoot: string, source: CrdModule): Promise<string[]> {
  const target = join(cacheRoot, 'crds', `${source.name}@${source.version}`);
  if (!(await exists(join(target, '.complete')))) await downloadInto(target, source);
  const lists = await Promise.all(source.folders.map((folder) => manifestsIn(join(target, folder))));
  return lists.flat();
}

async function downloadInto(target: string, source: CrdModule): Promise<void> {
  const scratch = await mkdtemp(join(tmpdir(), 'kf-crds-'));
  try {
    const env = {
      ...process.env,
      // Debian's Go lives outside the default PATH of non-login shells (CI); build.sh does the same.
      PATH: `${process.env.PATH ?? ''}:/usr/local/go/bin`,
      GOTOOLCHAIN: 'local',
      GOFLAGS: '-mod=mod',
      ...(source.notInChecksumDb ? { GONOSUMDB: source.module } : {}),
    };
    const ref = `${source.module}@${source.version}`;
    let download: { Dir?: string; Sum?: string; Error?: string };
    try {
      const { stdout } = await run('go', ['mod', 'download', '-json', ref], { cwd: scratch, env });
      download = JSON.parse(stdout);
    } catch (err) {
      const stdout = (err as { stdout?: string }).stdout ?? '';
      throw new Error(`control-plane: 'go mod download ${ref}' failed: ${stdout.trim() || String(err)}`, {
        cause: err,
      });
    }
    if (!download.Dir || download.Error)
      throw new Error(`control-plane: cannot download ${ref}: ${download.Error}`);
    if (download.Sum !== source.sum) {
      throw new Error(
        `control-plane: ${ref} has checksum ${download.Sum}, expected ${source.sum}; refusing its CRDs`,
      );
    }
    // Copy to a sibling and rename, so a concurrent `up` never sees half a folder.
    const staging = join(scratch, 'copy');
    for (const folder of source.folders) {
      await cp(join(download.Dir, folder), join(staging, folder), { recursive: true });
    }
    await writeFile(join(staging, '.complete'), `${ref} ${source.sum}\n`);
    await mkdir(join(target, '..'), { recursive: true });
    await rename(staging, target).catch(async (err) => {
      if (!(await exists(join(target, '.complete')))) throw err;
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** kong-fleet's own CRDs (ProxyInstance, ProxyFleet): the top-level `*.yaml` of the repo's deploy/crds. */
export function ownCrdManifests(): Promise<string[]> {
  return manifestsIn(join(REPO_ROOT, 'deploy', 'crds'));
}

export interface InstallCrdsOptions {
  kubectl: string;
  kubeconfig: string;
  cacheRoot: string;
  /** @defaultValue 'experimental' */
  gatewayApiChannel?: GatewayApiChannel;
}

/**
 * Applies every CRD (kong-fleet's, Kong's, Gateway API's) and waits until all are Established and
 * served by API discovery. Server-side apply: the biggest Gateway API CRDs exceed the 256 KiB
 * last-applied annotation of client-side apply.
 */
export async function installCrds(options: InstallCrdsOptions): Promise<string[]> {
  const { cacheRoot, gatewayApiChannel = 'experimental' } = options;
  const modules = crdModules(gatewayApiChannel);
  const files = [
    ...(await ownCrdManifests()),
    ...(await Promise.all(modules.map((source) => cachedCrdManifests(cacheRoot, source)))).flat(),
  ];
  const k = { kubectl: options.kubectl, kubeconfig: options.kubeconfig };
  const fileArgs = files.flatMap((file) => ['-f', file]);
  await kubectl(
    ['apply', '--server-side', '--force-conflicts', '--field-manager=kong-fleet-control-plane', ...fileArgs],
    k,
  );
  await kubectl(['wait', '--for=condition=Established', '--timeout=90s', 'crd', '--all'], k);
  await waitForDiscovery(k);
  return files;
}

/**
 * Waits until API discovery lists every CRD's resource. Established is set before the discovery
 * document is rebuilt, so on a loaded machine a `kubectl apply` of a KongPlugin right after it can fail
 * with `no matches for kind "KongPlugin"` (the likeliest cause of one clean-clone CI smoke-test failure
 * whose output was not kept).
 */
async function waitForDiscovery(k: { kubectl: string; kubeconfig: string }): Promise<void> {
  const crds = JSON.parse(await kubectl(['get', 'crd', '-o', 'json'], k)) as {
    items: { spec: { group: string; names: { plural: string } } }[];
  };
  const wanted = crds.items.map((crd) => `${crd.spec.names.plural}.${crd.spec.group}`);
  await waitFor(
    async () => {
      // api-resources asks the server each time (--cached=false), not kubectl's discovery cache.
      const served = new Set((await kubectl(['api-resources', '-o', 'name'], k)).split('\n'));
      const missing = wanted.filter((name) => !served.has(name));
      if (missing.length > 0) throw new Error(`not listed yet: ${missing.join(', ')}`);
      return true;
    },
    { timeoutMs: 60_000, intervalMs: 250, description: `API discovery to list all ${wanted.length} CRDs` },
  );
}
