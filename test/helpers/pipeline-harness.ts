import { afterAll, afterEach, beforeAll } from 'vitest';
import type { KongAdminClient } from '../../kong/admin/client.ts';
import { type ControllerProcess, startController } from './controller.ts';
import { startTlsFleet, type TlsFleet } from './fleet.ts';
import { freshNamespace } from './kube.ts';
import { adminClient } from './pipeline.ts';
import { deleteKeysWithPrefix, uniquePrefix } from './redis.ts';

/** What an end-to-end test file works with; filled in by the hooks, read inside tests. */
export interface PipelineHarness {
  readonly namespace: string;
  readonly prefix: string;
  readonly fleet: TlsFleet;
  /** An Admin API client with the controller's client certificate, to read what proxies serve. */
  readonly client: KongAdminClient;
  /** The TLS name discovered proxies are verified against. */
  readonly serverName: string;
  readonly controller: ControllerProcess | undefined;
  /** Starts a `kong-fleet run` process for this namespace, prefix and fleet (discovery, mTLS). */
  startController(env?: Record<string, string>): Promise<ControllerProcess>;
}

/**
 * Registers the hooks of an end-to-end test file: a fresh namespace and Redis prefix, `proxies`
 * simulated proxies with admin mTLS behind an admin Service, and, after the run, the controller
 * stopped, the proxies stopped and the prefix deleted. A failing test prints the controller's log.
 */
export function pipelineHarness(label: string, proxies = 3): PipelineHarness {
  const state = {} as {
    namespace: string;
    prefix: string;
    fleet: TlsFleet;
    client: KongAdminClient;
    serverName: string;
    controller: ControllerProcess | undefined;
  };
  const harness: PipelineHarness = {
    get namespace() {
      return state.namespace;
    },
    get prefix() {
      return state.prefix;
    },
    get fleet() {
      return state.fleet;
    },
    get client() {
      return state.client;
    },
    get serverName() {
      return state.serverName;
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

  beforeAll(async () => {
    state.namespace = await freshNamespace(label);
    state.prefix = uniquePrefix(label);
    state.fleet = await startTlsFleet(state.namespace, proxies);
    state.client = await adminClient(state.fleet.clientFiles);
    state.serverName = `pod.${state.fleet.serviceName}.${state.namespace}.svc`;
  });

  afterEach((context) => {
    const controller = state.controller;
    if (context.task.result?.state === 'fail' && controller) {
      console.log(`controller log:\n${controller.stdout().slice(-20_000)}\n${controller.stderr()}`);
    }
  });

  afterAll(async () => {
    await state.controller?.stop();
    await state.client?.close();
    await state.fleet?.stop();
    if (state.prefix) await deleteKeysWithPrefix(state.prefix);
  });

  return harness;
}
