import { ApiException, CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { endpointSliceAddresses, livePods, type PodSummary } from '../../helpers/cluster.ts';
import { eventually } from '../../helpers/eventually.ts';
import { freshNamespace, kubeConfig, kubectl, kubectlApply } from '../../helpers/kube.ts';

const GATE = 'konghq.com/config-applied';

/** A Deployment of `replicas` pods labelled app=<name> (KWOK runs them: the image is never pulled). */
function deployment(
  namespace: string,
  name: string,
  replicas: number,
  pod: Record<string, unknown> = {},
): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [{ name: 'app', image: 'registry.invalid/app:1', ports: [{ containerPort: 8080 }] }],
          ...pod,
        },
      },
    },
  });
}

const service = (namespace: string, name: string) =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace },
    spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
  });

/** Sets the readiness gate's condition on `pod` the way its owner would: through the status subresource. */
async function setGate(namespace: string, pod: string, status: 'True' | 'False') {
  await kubeConfig()
    .makeApiClient(CoreV1Api)
    .patchNamespacedPodStatus(
      {
        name: pod,
        namespace,
        body: { status: { conditions: [{ type: GATE, status, lastTransitionTime: new Date() }] } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
}

const byName = (pods: PodSummary[], name: string) => pods.find((pod) => pod.name === name);

describe('the cluster honours readiness gates, anti-affinity and disruption budgets', () => {
  it('keeps a pod with a readiness gate out of the ready endpoints until its gate condition is True', async () => {
    const namespace = await freshNamespace('gates');
    await kubectlApply(
      `${deployment(namespace, 'gated', 2, { readinessGates: [{ conditionType: GATE }] })}\n---\n${service(namespace, 'gated')}`,
    );
    // Running with an IP is KWOK's pod-ready stage having run: Ready is decided in the same patch.
    const pods = await eventually(
      async () => {
        const live = await livePods(namespace, 'app=gated');
        return live.length === 2 && live.every((pod) => pod.phase === 'Running' && pod.ip) ? live : undefined;
      },
      { timeoutMs: 60_000, description: '2 gated pods Running with IPs' },
    );
    for (const pod of pods) expect(pod.ready, pod.name).toBe(false);
    const before = await eventually(
      async () => {
        const found = await endpointSliceAddresses(namespace, 'gated');
        return found.addresses.length === 2 ? found : undefined;
      },
      { timeoutMs: 30_000, description: "the EndpointSlice to list both pods' IPs" },
    );
    expect(before.readyAddresses).toEqual([]);
    expect(before.managedBy).toEqual(['endpointslice-controller.k8s.io']);

    const [opened, closed] = pods as [PodSummary, PodSummary];
    await setGate(namespace, opened.name, 'True');
    const ready = await eventually(
      async () => {
        const found = await endpointSliceAddresses(namespace, 'gated');
        return found.readyAddresses.length > 0 ? found : undefined;
      },
      { timeoutMs: 30_000, description: `${opened.name}'s IP to be a ready endpoint` },
    );
    expect(ready.readyAddresses).toEqual([opened.ip]);
    const after = await livePods(namespace, 'app=gated');
    expect(byName(after, opened.name)?.ready).toBe(true);
    expect(byName(after, closed.name)?.ready).toBe(false);

    // The gate going back to False takes the pod out again, as a kubelet would.
    await setGate(namespace, opened.name, 'False');
    await eventually(
      async () => (await endpointSliceAddresses(namespace, 'gated')).readyAddresses.length === 0,
      { timeoutMs: 30_000, description: `${opened.name} to leave the ready endpoints` },
    );
    expect(byName(await livePods(namespace, 'app=gated'), opened.name)?.ready).toBe(false);
  });

  it('leaves the fourth replica Pending when required anti-affinity allows one pod per node on 3 nodes', async () => {
    const nodes = (await kubectl(['get', 'nodes', '-l', 'type=kwok', '-o', 'name'])).trim().split('\n');
    expect(nodes).toHaveLength(3);
    const namespace = await freshNamespace('anti-affinity');
    const affinity = {
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          { labelSelector: { matchLabels: { app: 'spread' } }, topologyKey: 'kubernetes.io/hostname' },
        ],
      },
    };
    await kubectlApply(deployment(namespace, 'spread', 4, { affinity }));
    const pods = await eventually(
      async () => {
        const live = await livePods(namespace, 'app=spread');
        const running = live.filter((pod) => pod.phase === 'Running');
        return live.length === 4 && running.length === 3 ? live : undefined;
      },
      { timeoutMs: 60_000, description: '3 of 4 anti-affine pods Running' },
    );
    const running = pods.filter((pod) => pod.phase === 'Running');
    expect(new Set(running.map((pod) => pod.node)).size).toBe(3);
    const pending = pods.find((pod) => pod.phase !== 'Running')!;
    expect(pending.node).toBeUndefined();
    const scheduled = await eventually(
      async () => {
        const pod = JSON.parse(
          await kubectl(['get', 'pod', pending.name, '-n', namespace, '-o', 'json']),
        ) as {
          status: { conditions?: { type: string; status: string; reason?: string; message?: string }[] };
        };
        return pod.status.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
      },
      { timeoutMs: 30_000, description: 'the scheduler to report the fourth pod unschedulable' },
    );
    expect(scheduled.reason).toBe('Unschedulable');
    expect(scheduled.message).toMatch(/anti-affinity/);
  });

  it('refuses an eviction a PodDisruptionBudget forbids, and allows it once the budget has room', async () => {
    const namespace = await freshNamespace('pdb');
    await kubectlApply(
      `${deployment(namespace, 'guarded', 2)}\n---\n${JSON.stringify({
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: { name: 'guarded', namespace },
        spec: { minAvailable: 2, selector: { matchLabels: { app: 'guarded' } } },
      })}`,
    );
    const pdbStatus = async () =>
      JSON.parse(await kubectl(['get', 'pdb', 'guarded', '-n', namespace, '-o', 'json'])) as {
        metadata: { generation: number };
        status?: { observedGeneration?: number; currentHealthy?: number; disruptionsAllowed?: number };
      };
    // The disruption controller has seen both pods Ready and allows no disruption.
    await eventually(
      async () => {
        const pdb = await pdbStatus();
        return pdb.status?.observedGeneration === pdb.metadata.generation && pdb.status.currentHealthy === 2;
      },
      { timeoutMs: 60_000, description: 'the PDB to count 2 healthy pods' },
    );
    expect((await pdbStatus()).status?.disruptionsAllowed).toBe(0);
    const [victim] = await livePods(namespace, 'app=guarded');
    const core = kubeConfig().makeApiClient(CoreV1Api);
    const evict = () =>
      core.createNamespacedPodEviction({
        name: victim!.name,
        namespace,
        body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: victim!.name, namespace } },
      });
    const refused = await evict().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(ApiException);
    expect((refused as ApiException<unknown>).code).toBe(429);
    expect(String((refused as ApiException<unknown>).body)).toMatch(/disruption budget/);
    expect((await livePods(namespace, 'app=guarded')).map((pod) => pod.name)).toContain(victim!.name);

    await kubectl([
      'patch',
      'pdb',
      'guarded',
      '-n',
      namespace,
      '--type=merge',
      '-p',
      '{"spec":{"minAvailable":1}}',
    ]);
    await eventually(
      async () => {
        const pdb = await pdbStatus();
        return (
          pdb.status?.observedGeneration === pdb.metadata.generation && pdb.status.disruptionsAllowed === 1
        );
      },
      { timeoutMs: 30_000, description: 'the PDB to allow one disruption' },
    );
    await evict();
    // The evicted pod goes (KWOK plays the kubelet's deletion) and the ReplicaSet replaces it.
    await eventually(
      async () => {
        const live = await livePods(namespace, 'app=guarded');
        return !live.some((pod) => pod.name === victim!.name) && live.filter((pod) => pod.ready).length === 2;
      },
      { timeoutMs: 60_000, description: 'the evicted pod replaced by a Ready one' },
    );
  });
});
