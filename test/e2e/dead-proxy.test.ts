import { NetworkingV1Api } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { echoApp } from '../helpers/echo-app.ts';
import { kubeConfig, kubectlApply } from '../helpers/kube.ts';
import { desiredHash, waitForConvergence } from '../helpers/pipeline.ts';
import { pipelineHarness } from '../helpers/pipeline-harness.ts';

const PROXIES = 10;
const CHANGES = 5;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

describe('one proxy down delays nobody else (issue 12, defect 8)', () => {
  const h = pipelineHarness('dead-proxy', PROXIES);
  let change = 0;
  beforeAll(async () => {
    await h.startController();
    await kubectlApply(echoApp({ namespace: h.namespace, path: '/v0' }));
    await waitForConvergence(h.prefix, h.proxies(), { timeoutMs: 60_000 });
  });

  /** Change → every proxy but `down` reports the new hash, `CHANGES` times; the latencies in ms. */
  async function latencies(down?: string): Promise<number[]> {
    const networking = kubeConfig().makeApiClient(NetworkingV1Api);
    const live = h.proxies().filter((proxy) => proxy.id !== down);
    const measured: number[] = [];
    for (let i = 0; i < CHANGES; i++) {
      const before = await desiredHash(h.prefix);
      change += 1;
      const started = performance.now();
      await networking.patchNamespacedIngress({
        name: 'echo',
        namespace: h.namespace,
        body: [{ op: 'replace', path: '/spec/rules/0/http/paths/0/path', value: `/v${change}` }],
      });
      await waitForConvergence(h.prefix, live, { timeoutMs: 60_000, ...(before ? { notHash: before } : {}) });
      measured.push(performance.now() - started);
    }
    return measured;
  }

  it('the others converge as fast with one proxy refusing connections, hanging, or gone from the network, as with all up', async () => {
    // Warm-up: the first changes after start pay for connections and JIT.
    await latencies();
    const allUp = await latencies();
    const victim = h.proxies()[3]!;

    await victim.faults.down();
    const refused = await latencies(victim.id);
    await victim.faults.up();
    await waitForConvergence(h.prefix, h.proxies(), { timeoutMs: 60_000 });

    // Accepts the connection and answers nothing within any deadline the controller uses (cap 30 s).
    await victim.impair({ latencyMs: 120_000 });
    let hanging: number[];
    try {
      hanging = await latencies(victim.id);
    } finally {
      await victim.impair({ latencyMs: 0 });
    }

    await waitForConvergence(h.prefix, h.proxies(), { timeoutMs: 60_000 });

    // Gone from the network (a node lost): connects to it hang until their deadline, nothing answers.
    let vanished: number[] = [];
    if (victim.unreachable) {
      await victim.unreachable(true);
      try {
        const before = (await victim.state()).configurationHash;
        vanished = await latencies(victim.id);
        // Nothing reached it (its state comes over the pod host's channel, not the network).
        expect((await victim.state()).configurationHash).toBe(before);
      } finally {
        await victim.unreachable(false);
      }
      await waitForConvergence(h.prefix, h.proxies(), { timeoutMs: 60_000 });
    }

    const bound = 2 * median(allUp) + 2000;
    console.log(
      `one change, median of ${CHANGES} (ms): all up ${Math.round(median(allUp))}, one refusing ${Math.round(
        median(refused),
      )}, one hanging ${Math.round(median(hanging))}, one unreachable ${
        vanished.length > 0 ? Math.round(median(vanished)) : 'n/a (no pod network)'
      } (bound ${Math.round(bound)})`,
      { allUp, refused, hanging, vanished },
    );
    expect(median(refused)).toBeLessThanOrEqual(bound);
    expect(median(hanging)).toBeLessThanOrEqual(bound);
    if (vanished.length > 0) expect(median(vanished)).toBeLessThanOrEqual(bound);
  });
});
