import type { Desired } from '../domain/build.ts';
import type { FleetPin, RolloutState } from '../domain/rollout.ts';
import type { PipelineDeps } from '../jobs/ports.ts';
import { viewOfProxy } from '../jobs/proxy-state.ts';
import { rolloutSummary } from '../jobs/rollout-plan.ts';
import { targetHash } from '../jobs/target-hash.ts';

export interface RolloutView {
  readonly desired: Desired | null;
  readonly pin?: FleetPin;
  readonly rollout?: RolloutState;
  /** One line: the rollout's progress, the pin, or "no rollout". */
  readonly summary: string;
  readonly proxies: readonly {
    readonly proxy: string;
    /** The build it should run now (jobs/target-hash.ts). */
    readonly target?: string;
    readonly actualHash?: string;
    readonly state: string;
    readonly canary: boolean;
  }[];
}

/** The rollout, the pin and every proxy's target and reported hash: what `rollout status` and /api/rollout show. */
export async function rolloutView(
  deps: Pick<PipelineDeps, 'rollouts' | 'builds' | 'registry'>,
  staleAfterMs: number,
): Promise<RolloutView> {
  const [desired, target, proxies] = await Promise.all([
    deps.builds.desired(),
    deps.rollouts.read(),
    deps.registry.list(),
  ]);
  const now = Date.now();
  const rows = await Promise.all(
    proxies.map(async (proxy) => {
      const status = await deps.registry.status(proxy.id);
      const hash = targetHash(proxy.id, desired?.hash, target);
      return {
        proxy: proxy.id,
        ...(hash ? { target: hash } : {}),
        ...(status.actualHash ? { actualHash: status.actualHash } : {}),
        state: viewOfProxy(status, hash, now, staleAfterMs).state,
        canary: target.rollout?.cohort.includes(proxy.id) ?? false,
      };
    }),
  );
  const summary = target.pin
    ? `pinned to ${target.pin.hash} (${target.pin.reason})${target.pin.releaseRequestedBy ? '; unpin requested' : ''}${desired && desired.hash !== target.pin.hash ? `; newest build ${desired.hash} not taken` : ''}`
    : target.rollout
      ? `rollout ${rolloutSummary(target.rollout, proxies.length)}`
      : 'no rollout (every proxy gets each new build at once)';
  return {
    desired,
    ...(target.pin ? { pin: target.pin } : {}),
    ...(target.rollout ? { rollout: target.rollout } : {}),
    summary,
    proxies: rows,
  };
}
