import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type KubeConfig,
  makeInformer,
  NetworkingV1Api,
  type V1Ingress,
  Watch,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  restartApiserver,
  startControlPlane,
  stopControlPlane,
} from '../../../scripts/control-plane.d/control-plane.ts';
import type { ControlPlaneState } from '../../../scripts/control-plane.d/state.ts';
import { eventually } from '../../helpers/eventually.ts';
import { freshNamespace, kubeConfig, kubectl, kubectlApply } from '../../helpers/kube.ts';
import { ingressYaml } from './manifests.ts';

/**
 * How the apiserver answers one watch from `resourceVersion`: the `code` of an ERROR event (410 when the
 * resourceVersion has expired), 200 when it streams events instead, or the HTTP status of a refused request.
 */
function watchAnswer(kc: KubeConfig, path: string, resourceVersion: string): Promise<number | string> {
  return new Promise((resolve) => {
    let request: AbortController | undefined;
    let answered = false;
    const answer = (value: number | string) => {
      if (answered) return;
      answered = true;
      request?.abort();
      resolve(value);
    };
    void new Watch(kc)
      .watch(
        path,
        { resourceVersion },
        (type, obj: { code?: number }) => answer(type === 'ERROR' ? (obj.code ?? 'ERROR') : 200),
        (err: { statusCode?: number; name?: string } | null) =>
          answer(err?.statusCode ?? err?.name ?? 'closed'),
      )
      .then((controller) => {
        request = controller;
        if (answered) controller.abort();
      });
  });
}

// This file restarts kube-apiserver, so it runs its own control plane (no CRDs needed) instead of the
// run's shared one, which other test files use at the same time.
describe('a client-node informer across a forced watch expiry', () => {
  let runDir: string;
  let controlPlane: ControlPlaneState;

  beforeAll(async () => {
    runDir = await mkdtemp(join(tmpdir(), 'kf-watch-expiry-'));
    controlPlane = await startControlPlane({ runDir, installCrds: false });
  });
  afterAll(async () => {
    if (runDir) await stopControlPlane(runDir);
  });

  it('re-lists after 410 Gone and keeps delivering later events', async () => {
    const kubeconfig = controlPlane.kubeconfig;
    const kc = kubeConfig(kubeconfig);
    const namespace = await freshNamespace('expiry', kc);
    const path = `/apis/networking.k8s.io/v1/namespaces/${namespace}/ingresses`;
    const networking = kc.makeApiClient(NetworkingV1Api);
    let lists = 0;
    const informer = makeInformer<V1Ingress>(kc, path, () => {
      lists++;
      return networking.listNamespacedIngress({ namespace });
    });
    const events: string[] = [];
    let lastSeen = '';
    informer.on('add', (ing) => {
      events.push(`add ${ing.metadata?.name}`);
      lastSeen = ing.metadata?.resourceVersion ?? '';
    });
    informer.on('delete', (ing) => events.push(`delete ${ing.metadata?.name}`));
    // client-node's informer stops on an error and leaves restarting to its owner, as a controller does.
    const errors: unknown[] = [];
    let restartOnError = false;
    informer.on('error', (err) => {
      errors.push(err);
      if (restartOnError) setTimeout(() => void informer.start(), 200);
    });

    await informer.start();
    try {
      await kubectlApply(`${ingressYaml('kept', '/kept')}---\n${ingressYaml('doomed', '/doomed')}`, {
        namespace,
        kubeconfig,
      });
      await eventually(() => events.includes('add kept') && events.includes('add doomed'), {
        description: 'both adds',
      });
      expect(lists).toBe(1);
      // The informer resumes its watch from the resourceVersion of the last event it saw.
      const resumeFrom = lastSeen;

      // The forced expiry, done the way it happens in real clusters (an apiserver rollout while other
      // clients keep writing): the watch breaks, and the new apiserver's watch cache starts at etcd's
      // revision of that moment. Resuming from an older resourceVersion is then answered with 410 Gone.
      // The ConfigMap write is such an "other client": it moves etcd's (global) revision past `resumeFrom`
      // without an Ingress event, so the informer's resourceVersion is older than the new watch cache.
      await kubectl(['create', 'configmap', 'unrelated-write', `--namespace=${namespace}`], { kubeconfig });
      controlPlane = await restartApiserver(controlPlane, async () => {
        await eventually(() => errors.length > 0, {
          timeoutMs: 20_000,
          description: 'the informer to lose its watch',
        });
      });
      await kubectlApply(ingressYaml('while-away', '/away'), { namespace, kubeconfig });
      await kubectl(['delete', 'ingress', 'doomed', `--namespace=${namespace}`], { kubeconfig });
      await eventually(async () => (await watchAnswer(kc, path, resumeFrom)) === 410, {
        timeoutMs: 30_000,
        intervalMs: 250,
        description: `a watch from resourceVersion ${resumeFrom} to be answered with 410 Gone`,
      });

      restartOnError = true;
      await informer.start();
      await eventually(() => events.includes('add while-away') && events.includes('delete doomed'), {
        timeoutMs: 30_000,
        description: 'the re-list to deliver what changed while the informer was away',
      });
      expect(lists).toBe(2);

      await kubectlApply(ingressYaml('after', '/after'), { namespace, kubeconfig });
      await eventually(() => events.includes('add after'), { description: 'an event after the re-list' });
      expect(
        informer
          .list(namespace)
          .map((ing) => ing.metadata?.name)
          .sort(),
      ).toEqual(['after', 'kept', 'while-away']);
      expect(events.filter((event) => event === 'add kept')).toHaveLength(1);
      expect(lists).toBe(2);
    } finally {
      await informer.stop();
    }
  }, 90_000); // an apiserver restart and a re-list: slow on a busy 2-core machine
});
