import { CustomObjectsApi } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { freshNamespace, kubeConfig, kubectl, kubectlApply } from '../../helpers/kube.ts';

/** Splits `kubectl get` table output into rows of cells keyed by the header's column names. */
function parseTable(output: string): Record<string, string>[] {
  const [header, ...rows] = output.trimEnd().split('\n');
  const starts = [...header!.matchAll(/\S+/g)].map((m) => ({ name: m[0], at: m.index }));
  return rows.map((row) =>
    Object.fromEntries(
      starts.map((col, i) => [col.name, row.slice(col.at, starts[i + 1]?.at ?? row.length).trim()]),
    ),
  );
}

const proxyInstance = (name: string, adminURL = 'https://10.1.2.3:8444') => `apiVersion: kongfleet.io/v1alpha1
kind: ProxyInstance
metadata:
  name: ${name}
spec:
  adminURL: ${adminURL}
  source: EndpointSlice
  podRef:
    name: ${name}
  fleet: default
`;

describe("kong-fleet's own CRDs", () => {
  it('ProxyInstance: status goes through the status subresource and shows in kubectl get', async () => {
    const namespace = await freshNamespace('proxyinstance');
    await kubectlApply(proxyInstance('kong-0'), { namespace });
    const lastSeenTime = new Date(Date.now() - 5_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const status = {
      address: '10.1.2.3:8444',
      kongVersion: '3.9.1',
      state: 'Synced',
      desiredHash: 'b1946ac92492d2347c6235b4d2611184',
      actualHash: 'b1946ac92492d2347c6235b4d2611184',
      lastSeenTime,
      lastPushTime: lastSeenTime,
      observedGeneration: 1,
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'Reachable',
          message: 'Kong 3.9.1',
          lastTransitionTime: lastSeenTime,
        },
        {
          type: 'Synced',
          status: 'True',
          reason: 'HashMatches',
          message: '',
          lastTransitionTime: lastSeenTime,
        },
      ],
    };
    await kubectl([
      'patch',
      'proxyinstance',
      'kong-0',
      `--namespace=${namespace}`,
      '--subresource=status',
      '--type=merge',
      `--patch=${JSON.stringify({ status })}`,
    ]);

    const [row] = parseTable(await kubectl(['get', 'proxyinstances', `--namespace=${namespace}`]));
    expect(Object.keys(row!)).toEqual(['NAME', 'ADDRESS', 'STATE', 'HASH', 'LAST-SEEN', 'AGE']);
    expect(row).toMatchObject({
      NAME: 'kong-0',
      ADDRESS: '10.1.2.3:8444',
      STATE: 'Synced',
      HASH: status.actualHash,
    });
    expect(row!['LAST-SEEN']).toMatch(/^\d+s$/);
    // The short name works too.
    expect(
      await kubectl(['get', 'pi', 'kong-0', `--namespace=${namespace}`, '-o=jsonpath={.status.state}']),
    ).toBe('Synced');

    // Writes to the main resource cannot change status, and status writes cannot change spec.
    const api = kubeConfig().makeApiClient(CustomObjectsApi);
    const ref = {
      group: 'kongfleet.io',
      version: 'v1alpha1',
      namespace,
      plural: 'proxyinstances',
      name: 'kong-0',
    };
    await api.patchNamespacedCustomObject({
      ...ref,
      body: [{ op: 'replace', path: '/status/state', value: 'Rejected' }],
    });
    await api.patchNamespacedCustomObjectStatus({
      ...ref,
      body: [{ op: 'replace', path: '/spec/fleet', value: 'other' }],
    });
    const stored = (await api.getNamespacedCustomObject(ref)) as {
      metadata: { generation: number };
      spec: { fleet: string };
      status: { state: string };
    };
    expect(stored.status.state).toBe('Synced');
    expect(stored.spec.fleet).toBe('default');
    expect(stored.metadata.generation).toBe(1);
  });

  it('ProxyInstance: the schema rejects a bad adminURL and an unknown state', async () => {
    const namespace = await freshNamespace('proxyinstance-invalid');
    await expect(kubectlApply(proxyInstance('bad', 'ftp://10.1.2.3'), { namespace })).rejects.toThrow(
      /spec\.adminURL/,
    );
    await kubectlApply(proxyInstance('good'), { namespace });
    await expect(
      kubectl([
        'patch',
        'pi',
        'good',
        `--namespace=${namespace}`,
        '--subresource=status',
        '--type=merge',
        '--patch={"status":{"state":"Happy"}}',
      ]),
    ).rejects.toThrow(/status\.state.*Unsupported value/s);
  });

  it('ProxyFleet: repairMode defaults to enforce, and kubectl wait --for=condition=Synced works', async () => {
    const namespace = await freshNamespace('proxyfleet');
    await kubectlApply('apiVersion: kongfleet.io/v1alpha1\nkind: ProxyFleet\nmetadata:\n  name: default\n', {
      namespace,
    });
    expect(
      await kubectl(['get', 'pf', 'default', `--namespace=${namespace}`, '-o=jsonpath={.spec.repairMode}']),
    ).toBe('enforce');
    // Shadow mode is opt-in: a ProxyFleet without spec.mode pushes.
    expect(
      await kubectl(['get', 'pf', 'default', `--namespace=${namespace}`, '-o=jsonpath={.spec.mode}']),
    ).toBe('active');
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const wait = kubectl([
      'wait',
      '--for=condition=Synced',
      'proxyfleet/default',
      `--namespace=${namespace}`,
      '--timeout=30s',
    ]);
    await kubectl([
      'patch',
      'proxyfleet',
      'default',
      `--namespace=${namespace}`,
      '--subresource=status',
      '--type=merge',
      `--patch=${JSON.stringify({
        status: {
          desiredHash: 'abc123',
          proxies: 50,
          syncedProxies: 50,
          summary: '50/50 proxies at hash abc123',
          mode: 'active',
          pinnedHash: 'def456',
          rollout: {
            hash: 'abc123',
            stableHash: 'def456',
            phase: 'Halted',
            step: 1,
            steps: 3,
            updatedProxies: 1,
            progress: 'step-1/3-Halted',
            message: '50/50 requests answered 5xx',
          },
          conditions: [
            { type: 'Synced', status: 'True', reason: 'AllSynced', message: '', lastTransitionTime: now },
          ],
        },
      })}`,
    ]);
    expect(await wait).toMatch(/condition met/);
    const [row] = parseTable(await kubectl(['get', 'proxyfleets', `--namespace=${namespace}`]));
    expect(row).toMatchObject({
      NAME: 'default',
      SYNCED: '50',
      PROXIES: '50',
      HASH: 'abc123',
      MODE: 'active',
      ROLLOUT: 'step-1/3-Halted',
      PINNED: 'def456',
    });
    expect(Object.keys(row!)).toEqual([
      'NAME',
      'SYNCED',
      'PROXIES',
      'HASH',
      'MODE',
      'ROLLOUT',
      'PINNED',
      'SUMMARY',
      'AGE',
    ]);
  });

  it('ProxyFleet spec.rollout: defaults filled in, a bad step or pause refused by the API server', async () => {
    const namespace = await freshNamespace('proxyfleet-rollout');
    const fleet = (rollout: string) =>
      `apiVersion: kongfleet.io/v1alpha1\nkind: ProxyFleet\nmetadata:\n  name: default\nspec:\n  rollout: ${rollout}\n`;
    await kubectlApply(fleet('{ steps: [{ proxies: 1 }, { percent: 100 }] }'), { namespace });
    const spec = JSON.parse(
      await kubectl(['get', 'pf', 'default', `--namespace=${namespace}`, '-o=jsonpath={.spec.rollout}']),
    );
    expect(spec).toEqual({
      strategy: 'Canary',
      steps: [{ proxies: 1 }, { percent: 100 }],
      pause: '30s',
      promote: 'auto',
      maxErrorPercent: 5,
      minRequests: 20,
      stepTimeout: '5m',
    });
    await expect(kubectlApply(fleet('{ steps: [{ percent: 250 }] }'), { namespace })).rejects.toThrow(
      /percent/,
    );
    await expect(
      kubectlApply(fleet('{ steps: [{ proxies: 1 }], pause: soon }'), { namespace }),
    ).rejects.toThrow(/pause/);
    await expect(
      kubectlApply(fleet('{ steps: [{ proxies: 1, percent: 5 }] }'), { namespace }),
    ).rejects.toThrow(/steps/);
  });
});
