import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startControlPlane, stopControlPlane } from '../../scripts/control-plane.d/control-plane.ts';
import type { PodNetwork } from '../../testing/pods/pod-network.ts';
import { acquireSharedService } from './shared-service.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin kubeconfig of the run's kube-apiserver (client certificate in system:masters). */
    kubeconfig: string;
    /** The kubectl to use with it (built to match the server when the installed one is too old). */
    kubectl: string;
    /** The Helm binary (built from the Go module proxy with the cluster binaries) for the chart tests. */
    helm: string;
    /** The network namespace holding the pod IPs; null without one (no root, or KONG_FLEET_POD_NETWORK=off): harnesses then fall back to static proxies. */
    podNetwork: PodNetwork | null;
  }
}

/**
 * One real cluster without kubelets (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, KWOK
 * nodes, pod IPs in a network namespace) for the integration and e2e projects, in its own temp folder (never a
 * developer's `scripts/control-plane up` instance), with every CRD installed. Builds the binaries on the
 * first run on a machine (many minutes on 2 cores). Tests isolate themselves with a fresh namespace.
 */
export default async function setup(project: TestProject) {
  const controlPlane = await acquireSharedService(
    'control-plane',
    async () => {
      const runDir = await mkdtemp(join(tmpdir(), 'kf-control-plane-'));
      const started = performance.now();
      const state = await startControlPlane({ runDir, log: (line) => console.log(line) }).catch(
        async (err) => {
          await stopControlPlane(runDir);
          throw err;
        },
      );
      console.log(
        `control-plane: test control plane ready in ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
      if (state.podNetworkUnavailable)
        console.log(
          `control-plane: tests that need pods skip; the others run on the static fallback (${state.podNetworkUnavailable})`,
        );
      return {
        runDir,
        kubeconfig: state.kubeconfig,
        kubectl: state.kubectl,
        helm: state.binaries.helm,
        podNetwork: state.podNetwork ?? null,
      };
    },
    async ({ runDir }) => {
      await stopControlPlane(runDir);
    },
  );
  project.provide('kubeconfig', controlPlane.value.kubeconfig);
  project.provide('kubectl', controlPlane.value.kubectl);
  project.provide('helm', controlPlane.value.helm);
  project.provide('podNetwork', controlPlane.value.podNetwork);
  return controlPlane.release;
}
