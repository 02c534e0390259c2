import { parseArgs } from 'node:util';
import { shellQuote } from '../../testing/shell-quote.ts';
import { ensureBinaries } from './binaries.ts';
import { restartApiserver, startControlPlane, stopControlPlane } from './control-plane.ts';
import { cachedCrdManifests, crdModules, type GatewayApiChannel } from './crds.ts';
import { defaultCacheRoot, defaultRunDir } from './locations.ts';
import { type ControlPlaneState, liveness, memoryMiB, readState } from './state.ts';

const USAGE = `usage: scripts/control-plane <command> [options]

A real etcd + kube-apiserver on loopback for tests and the demo (RBAC on, admin client certificate).

commands:
  build     build the binaries and fetch the CRDs into the cache without starting anything (CI warm-up)
  up        build the binaries (first time only, minutes), start both, install the CRDs, print how to use it
  env       print 'export KUBECONFIG=…' (and PATH for the matching kubectl): eval "$(scripts/control-plane env)"
  status    say whether it runs, with ports, versions and memory (exit 3 when down)
  restart-apiserver   restart kube-apiserver on the same port (watches break, old resourceVersions expire)
  down      stop both processes and delete the state folder

options:
  --dir=<path>                     state folder (default: $KONG_FLEET_CP_DIR or \${XDG_RUNTIME_DIR:-/tmp}/kong-fleet-control-plane)
  --no-crds                        up: skip the CRDs
  --gateway-api-channel=<channel>  up: standard or experimental (default experimental, a superset)

binaries are cached in \${XDG_CACHE_HOME:-~/.cache}/kong-fleet, keyed by version.`;

function envLines(state: ControlPlaneState): string[] {
  const lines = [`export KUBECONFIG=${shellQuote(state.kubeconfig)}`];
  if (state.builtKubectlDir) lines.push(`export PATH=${shellQuote(state.builtKubectlDir)}:"$PATH"`);
  return lines;
}

function describe(state: ControlPlaneState): string {
  const memory = memoryMiB(state);
  return [
    `server:      ${state.server} (Kubernetes ${state.binaries.k8sVersion}, etcd ${state.binaries.etcdVersion} on 127.0.0.1:${state.ports.etcdClient})`,
    `kubeconfig:  ${state.kubeconfig} (user admin, group system:masters)`,
    `kubectl:     ${state.kubectl}`,
    `crds:        ${state.crds ? `${state.crds.files} manifests, Gateway API ${state.crds.gatewayApiChannel} channel` : 'not installed'}`,
    `pids:        etcd ${state.pids.etcd}, kube-apiserver ${state.pids.apiserver}`,
    `memory:      etcd ${memory.etcd ?? '?'} MiB, kube-apiserver ${memory.apiserver ?? '?'} MiB (RSS)`,
    `logs:        ${state.logDir}`,
  ].join('\n');
}

async function runningState(runDir: string): Promise<ControlPlaneState> {
  const state = await readState(runDir);
  const alive = state && liveness(state);
  if (!state || !alive?.etcd || !alive.apiserver) {
    throw new UsageError(
      `control-plane: nothing is running in ${runDir}; start it with 'scripts/control-plane up'`,
      3,
    );
  }
  return state;
}

class UsageError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 2) {
    super(message);
    this.exitCode = exitCode;
  }
}

function parseChannel(value: string | undefined): GatewayApiChannel {
  if (value === undefined || value === 'experimental' || value === 'standard') return value ?? 'experimental';
  throw new UsageError(
    `control-plane: --gateway-api-channel must be 'standard' or 'experimental', not '${value}'`,
  );
}

async function main(argv: string[]): Promise<void> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  const runDir = values.dir ?? defaultRunDir();
  const [command, ...rest] = positionals;
  if (values.help || command === 'help') return void console.log(USAGE);
  if (rest.length > 0) throw new UsageError(`control-plane: unexpected argument '${rest[0]}'\n\n${USAGE}`);

  switch (command) {
    case 'up': {
      const started = performance.now();
      const state = await startControlPlane({
        runDir,
        cacheRoot: defaultCacheRoot(),
        installCrds: !values['no-crds'],
        gatewayApiChannel: parseChannel(values['gateway-api-channel']),
        log: (line) => console.error(line),
      });
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      console.log(`control plane up in ${seconds} s\n${describe(state)}\n`);
      console.log(
        `use it:\n  eval "$(scripts/control-plane env${values.dir ? ` --dir=${shellQuote(runDir)}` : ''})"`,
      );
      console.log('  kubectl apply -f examples/quickstart.yaml && kubectl get ingress,kongplugins -A');
      console.log('stop it:\n  scripts/control-plane down');
      return;
    }
    case 'build': {
      const started = performance.now();
      const cacheRoot = defaultCacheRoot();
      const binaries = await ensureBinaries(cacheRoot);
      const channel = parseChannel(values['gateway-api-channel']);
      const manifests = await Promise.all(
        crdModules(channel).map((source) => cachedCrdManifests(cacheRoot, source)),
      );
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      console.log(`binaries and CRDs cached in ${cacheRoot} (${seconds} s)`);
      console.log(`  kube-apiserver ${binaries.k8sVersion}: ${binaries.kubeApiserver}`);
      console.log(`  etcd ${binaries.etcdVersion}: ${binaries.etcd}`);
      console.log(`  kubectl: ${binaries.kubectl}`);
      console.log(`  CRD manifests: ${manifests.flat().length} (Gateway API ${channel} channel)`);
      return;
    }
    case 'env':
      return void console.log(envLines(await runningState(runDir)).join('\n'));
    case 'status':
      return void console.log(describe(await runningState(runDir)));
    case 'restart-apiserver': {
      const state = await restartApiserver(await runningState(runDir));
      return void console.log(`kube-apiserver restarted (pid ${state.pids.apiserver})`);
    }
    case 'down': {
      const wasRunning = await stopControlPlane(runDir);
      return void console.log(
        wasRunning ? `control plane stopped; ${runDir} removed` : `nothing was running in ${runDir}`,
      );
    }
    default:
      throw new UsageError(command ? `control-plane: unknown command '${command}'\n\n${USAGE}` : USAGE);
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      dir: { type: 'string' },
      'no-crds': { type: 'boolean' },
      'gateway-api-channel': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = err instanceof UsageError ? err.exitCode : 1;
});
