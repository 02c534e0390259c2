import { afterAll, afterEach, beforeAll } from 'vitest';
import type { KongAdminClient } from '../../kong/admin/client.ts';
import { type ProxyPods, startProxyPods } from '../../testing/pods/proxy-pods.ts';
import { applyKongDeployment, podNetwork } from './cluster.ts';
import { type ControllerProcess, startController } from './controller.ts';
import { eventually } from './eventually.ts';
import { freshNamespace, kubeConfig } from './kube.ts';
import { adminClient } from './pipeline.ts';
import { deleteKeysWithPrefix, uniquePrefix } from './redis.ts';

/** What a proxies-as-pods test file works with; filled in by the hooks, read inside tests. */
export interface ProxyPodsHarness {
  readonly namespace: string;
  readonly prefix: string;
  readonly pods: ProxyPods;
  /** An Admin API client with the controller's client certificate, to read what proxies serve. */
  readonly client: KongAdminClient;
  readonly controller: ControllerProcess | undefined;
  /** Starts a `kong-fleet run` process discovering the Kong pods of this namespace (mTLS). */
  startController(env?: Record<string, string>): Promise<ControllerProcess>;
}

/**
 * Registers the hooks of a test file whose proxies are pods: a fresh namespace and Redis prefix, the Kong
 * Deployment of deploy/kong-proxy.yaml at `replicas`, a simulated Kong per running pod at its pod IP;
 * after the run the controller and the proxies are stopped and the prefix deleted. A failing test prints
 * the controller's log. Use with `describe.skipIf(!podNetwork())`.
 */
export function proxyPodsHarness(label: string, replicas = 3): ProxyPodsHarness {
  const state = {} as {
    namespace: string;
    prefix: string;
    pods: ProxyPods;
    client: KongAdminClient;
    controller: ControllerProcess | undefined;
  };
  beforeAll(async () => {
    state.namespace = await freshNamespace(label);
    state.prefix = uniquePrefix(label);
    await applyKongDeployment(state.namespace, replicas);
    state.pods = await startProxyPods({
      kubeConfig: kubeConfig(),
      namespace: state.namespace,
      podNetwork: podNetwork()!,
    });
    state.client = await adminClient(state.pods.clientFiles);
    await eventually(
      async () => {
        await state.pods.settled();
        return state.pods.running().length === replicas;
      },
      { timeoutMs: 60_000, description: `${replicas} proxy pods serving` },
    );
  });

  afterEach((context) => {
    const controller = state.controller;
    if (context.task.result?.state === 'fail' && controller)
      console.log(`controller log:\n${controller.stdout().slice(-20_000)}\n${controller.stderr()}`);
  });

  afterAll(async () => {
    await state.controller?.stop();
    await state.client?.close();
    await state.pods?.stop();
    if (state.prefix) await deleteKeysWithPrefix(state.prefix);
  });

  return {
    get namespace() {
      return state.namespace;
    },
    get prefix() {
      return state.prefix;
    },
    get pods() {
      return state.pods;
    },
    get client() {
      return state.client;
    },
    get controller() {
      return state.controller;
    },
    async startController(env = {}) {
      state.controller = await startController({
        namespace: state.namespace,
        prefix: state.prefix,
        adminService: `${state.namespace}/${state.pods.serviceName}`,
        tls: state.pods.clientFiles,
        env,
      });
      return state.controller;
    },
  };
}
