import { afterAll, afterEach, beforeAll } from 'vitest';
import type { KongAdminClient } from '../../kong/admin/client.ts';
import type { ProxyPods } from '../../testing/pods/proxy-pods.ts';
import { type FleetProxy, type ProxyFleet, startProxyFleet } from '../../testing/proxy-fleet.ts';
import { podNetwork } from './cluster.ts';
import { type ControllerProcess, startController } from './controller.ts';
import { freshNamespace, kubeConfig, kubectlApply } from './kube.ts';
import { adminClient } from './pipeline.ts';
import { deleteKeysWithPrefix, uniquePrefix } from './redis.ts';

/** What a test file with a fleet and a controller works with; filled in by the hooks, read inside tests. */
export interface PipelineHarness {
  readonly namespace: string;
  readonly prefix: string;
  /** The Kong fleet: the Kong Deployment's pods, or the static fallback without a pod network. */
  readonly fleet: ProxyFleet;
  /** The fleet as pods, for tests that only run with a pod network (`describe.skipIf(!podNetwork())`). */
  readonly pods: ProxyPods;
  /** The proxies serving right now (`fleet.running()`). */
  proxies(): FleetProxy[];
  /** An Admin API client with the controller's client certificate, to read what proxies serve. */
  readonly client: KongAdminClient;
  /** The TLS name discovered proxies are verified against. */
  readonly serverName: string;
  readonly controller: ControllerProcess | undefined;
  /** Starts a `kong-fleet run` process for this namespace, prefix and fleet (discovery, mTLS). */
  startController(env?: Record<string, string>): Promise<ControllerProcess>;
}

/**
 * Registers the hooks of a test file: a fresh namespace and Redis prefix, a Kong fleet of `replicas`
 * (testing/proxy-fleet.ts: the pods of deploy/kong-proxy.yaml's Deployment, each a simulated Kong at its
 * pod IP, or static proxies where the run has no pod network), and, after the run, the controller and
 * the proxies stopped and the prefix deleted. A failing test prints the controller's log.
 */
export function pipelineHarness(label: string, replicas = 3): PipelineHarness {
  const state = {} as {
    namespace: string;
    prefix: string;
    fleet: ProxyFleet;
    client: KongAdminClient;
    controller: ControllerProcess | undefined;
  };

  beforeAll(async () => {
    state.namespace = await freshNamespace(label);
    state.prefix = uniquePrefix(label);
    state.fleet = await startProxyFleet({
      kubeConfig: kubeConfig(),
      namespace: state.namespace,
      replicas,
      podNetwork: podNetwork(),
      apply: (manifest) => kubectlApply(manifest),
    });
    state.client = await adminClient(state.fleet.clientFiles);
  });

  afterEach((context) => {
    const controller = state.controller;
    if (context.task.result?.state === 'fail' && controller)
      console.log(`controller log:\n${controller.stdout().slice(-20_000)}\n${controller.stderr()}`);
  });

  afterAll(async () => {
    await state.controller?.stop();
    await state.client?.close();
    await state.fleet?.stop();
    if (state.prefix) await deleteKeysWithPrefix(state.prefix);
  });

  return {
    get namespace() {
      return state.namespace;
    },
    get prefix() {
      return state.prefix;
    },
    get fleet() {
      return state.fleet;
    },
    get pods() {
      if (state.fleet.mode !== 'pods') throw new Error(`${label}: the fleet is static (no pod network)`);
      return state.fleet as ProxyPods;
    },
    proxies: () => state.fleet.running(),
    get client() {
      return state.client;
    },
    get serverName() {
      return state.fleet.serverName;
    },
    get controller() {
      return state.controller;
    },
    async startController(env = {}) {
      state.controller = await startController({
        namespace: state.namespace,
        prefix: state.prefix,
        adminService: `${state.namespace}/${state.fleet.serviceName}`,
        tls: state.fleet.clientFiles,
        env,
      });
      return state.controller;
    },
  };
}
