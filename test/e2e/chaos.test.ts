import { describe, expect, inject, it } from 'vitest';
import { chaosVerdict } from '../../scripts/chaos/report.ts';
import { runScenario, scenarios } from '../../scripts/chaos/scenarios.ts';
import type { ChaosCluster } from '../../scripts/chaos/stage.ts';
import { podNetwork } from '../helpers/cluster.ts';
import { kubeConfig, kubeconfigPath } from '../helpers/kube.ts';

/**
 * The part of `npm run chaos` that runs in `npm test` (issue 12), the same scenario code: each scenario
 * must end with every proxy serving every change, no change lost, no job stuck and no controller crashed.
 * Left out here, and run by `npm run chaos` only:
 * - apiserver-restart: it would restart the apiserver every other test file shares;
 * - proxy-slow, proxy-429, proxy-drop, proxy-restart: the same recovery paths as proxy-5xx and
 *   proxy-down, kept out for time (the subset stays under 5 minutes on a busy 2-core machine);
 * - redis-start-late, redis-wiped: both hold since the redis-recovery and store-epoch fixes (0 lost in
 *   the full run of 2026-12-03), kept out for time: in that run (load 15-22) the six scenarios below
 *   took 352 s together, redis-wiped 55 s and redis-start-late 54 s more.
 */
const SUBSET = [
  'controller-sigkill',
  'proxy-down',
  'proxy-5xx',
  'leader-killed',
  'redis-killed',
  'sentinel-failover',
];

describe.skipIf(!podNetwork())('chaos scenarios against the real cluster, Redis and proxy pods', () => {
  const cluster = (): ChaosCluster => ({
    kubeConfig: kubeConfig(),
    kubeconfig: kubeconfigPath(),
    kubectl: inject('kubectl'),
    podNetwork: podNetwork()!,
  });

  for (const name of SUBSET) {
    const scenario = scenarios.find((s) => s.name === name)!;
    it(`${name}: ${scenario.what} — 0 changes lost, 0 stuck jobs`, { timeout: 240_000 }, async () => {
      const result = await runScenario(cluster(), scenario, { log: (line) => console.log(line) });
      console.log(JSON.stringify(result));
      expect(result.error).toBeUndefined();
      expect(result.recoveryS).not.toBeNull();
      expect(result.changes).toBeGreaterThan(0);
      expect(result.lost).toBe(0);
      expect(result.stuck).toBe(0);
      expect(result.crashes).toBe(0);
      expect(chaosVerdict(result)).toBe('ok');
      // The fault really happened: another node is primary, or the process that led is gone.
      if (name === 'sentinel-failover') expect(result.notes?.join()).toMatch(/killed, :\d+ promoted/);
      if (name === 'leader-killed') expect(result.notes?.join()).toMatch(/leader controller-\d killed/);
    });
  }
});
