import { z } from 'zod';
import type { Desired } from '../domain/build.ts';
import type {
  FleetPin,
  PendingEvent,
  RequestBaseline,
  RolloutSpec,
  RolloutState,
} from '../domain/rollout.ts';
import { involvedObjectOf } from '../k8s/involved-object.ts';
import { defineJob, type JobContext } from '../queue/define-job.ts';
import type { TargetChange, VersionedTarget } from '../queue/store/rollout-store.ts';
import type { PipelineDeps } from './ports.ts';
import { viewOfProxy } from './proxy-state.ts';
import { requestFleetStatus } from './proxy-status.ts';
import { pushConfig } from './push.ts';
import {
  type CanaryObservation,
  choosePin,
  cohortFor,
  healthVerdict,
  parseRolloutSpec,
  requestTotals,
  rolloutSummary,
  servedSince,
} from './rollout-plan.ts';
import { hashesInUse, targetHash } from './target-hash.ts';

export const RolloutPayload = z.strictObject({
  /** Why the rollout was looked at (logs and Bull Board only; the job reads the current state). */
  reason: z.string().max(300).optional(),
});
export type RolloutPayload = z.infer<typeof RolloutPayload>;

/** How often a rollout under way is looked at (a pause is judged within this of its end). */
export const ROLLOUT_TICK_MS = 2000;

/** What the rollout asks for once its state change has landed. */
interface Effects {
  /** Proxies whose build changed: each gets a push (which sends whatever targetHash says). */
  readonly push: readonly string[] | 'all';
  readonly events: readonly PendingEvent[];
}

const NONE: Effects = { push: [], events: [] };

type RolloutDeps = Pick<PipelineDeps, 'rollouts' | 'builds' | 'registry' | 'producer'>;

/**
 * Moves a staged rollout along (ProxyFleet `spec.rollout`): begins one for a new build, waits until
 * the step's proxies run it, lets them serve it for the pause, judges their health (their own 5xx rate
 * from the traffic scrape, push outcomes, reachability) and promotes the next step or halts. The state
 * is in Redis (queue/store/rollout-store.ts), so any replica's run continues the last one's; every
 * change is a compare-and-set, and pushes and Events follow only a change that landed.
 */
export const rolloutTick = defineJob<RolloutPayload, PipelineDeps>({
  name: 'rollout',
  role: 'drift',
  payload: RolloutPayload,
  coalesce: { key: () => 'rollout' },
  schedule: { every: ROLLOUT_TICK_MS },
  schedulePayload: {},
  attempts: 3,
  backoff: { baseMs: 500, capMs: 5000, jitter: 0.2 },
  timeoutMs: 30_000,
  run: async (_payload, ctx) => {
    const { deps } = ctx;
    const before = await deps.rollouts.read();
    const { spec, error } = await rolloutSpecOf(deps, before.rollout);
    if (error) ctx.log.warn({ error }, 'ProxyFleet spec.rollout is invalid; keeping the last good one');
    // Lifted here, where spec.rollout is known: the newest build may have to roll out from the pin.
    if (before.pin?.releaseRequestedBy) await unpinFleet(deps, spec, before.pin.releaseRequestedBy);
    const [desired, proxies] = await Promise.all([deps.builds.desired(), deps.registry.list()]);
    const ids = proxies.map((proxy) => proxy.id);
    const observe = (rollout: RolloutState) => observeCanaries(deps, rollout, Date.now());
    const { effects, changed } = await deps.rollouts.update(async (current) => {
      const decided = await advance(
        current,
        spec,
        desired,
        ids,
        observe,
        Date.now(),
        deps.traffic !== undefined,
      );
      return {
        ...(decided.change ? { change: decided.change } : {}),
        result: { effects: decided.result, changed: decided.change !== undefined },
      };
    });
    await applyEffects(deps, effects);
    await recordPendingEvents(deps, ctx);
    if (changed) await requestFleetStatus(deps);
    const now = await deps.rollouts.read();
    return {
      ...(now.pin ? { pinned: now.pin.hash } : {}),
      ...(now.rollout
        ? { rollout: rolloutSummary(now.rollout, ids.length), message: now.rollout.message }
        : {}),
    };
  },
});

/**
 * One look at the rollout. Pure apart from `observe` (reads of the cohort's status and counters).
 * Exported for the unit tests of the state machine.
 */
export async function advance(
  current: VersionedTarget,
  spec: RolloutSpec | undefined,
  desired: Desired | null,
  proxyIds: readonly string[],
  observe: (rollout: RolloutState) => Promise<readonly CanaryObservation[]>,
  now: number,
  /** Whether traffic is scraped here (without it the error rate is not judged). */
  metrics: boolean,
): Promise<{ change?: TargetChange; result: Effects }> {
  const at = new Date(now).toISOString();
  const rollout = current.rollout;
  // A pinned fleet takes no build: nothing rolls until it is unpinned.
  if (current.pin || !desired) return { result: NONE };
  if (!spec) {
    // spec.rollout removed: every proxy gets `desired` again, as without a rollout.
    if (!rollout) return { result: NONE };
    return { change: { rollout: null }, result: { push: 'all', events: [] } };
  }
  if (!rollout) {
    // spec.rollout just set: the fleet runs `desired` already; the next build rolls out.
    return {
      change: { rollout: completeAt(desired.hash, spec, at, 'the fleet runs this build') },
      result: NONE,
    };
  }
  if (rollout.hash !== desired.hash) {
    const stable = rollout.phase === 'Complete' ? rollout.hash : rollout.stableHash;
    const next = beginRollout(desired.hash, stable, spec, proxyIds, at);
    return {
      change: { rollout: next },
      result: { push: [...new Set([...rollout.cohort, ...next.cohort])], events: [] },
    };
  }
  if (rollout.phase !== 'Progressing') return { result: NONE };

  const canaries = await observe(rollout);
  const verdict = healthVerdict({
    hash: rollout.hash,
    spec: rollout.spec,
    canaries,
    now,
    stepStartedAt: Date.parse(rollout.stepStartedAt),
    ...(rollout.settledAt ? { settledAt: Date.parse(rollout.settledAt) } : {}),
    metrics,
  });
  const stepText = `step ${rollout.step + 1}/${rollout.spec.steps.length}`;
  switch (verdict.verdict) {
    case 'wait': {
      const settled = canaries.every((canary) => canary.actualHash === rollout.hash);
      const next: RolloutState = {
        ...rollout,
        ...(settled && !rollout.settledAt ? { settledAt: at } : {}),
        message: verdict.reason,
        updatedAt: at,
      };
      if (next.message === rollout.message && next.settledAt === rollout.settledAt) return { result: NONE };
      return { change: { rollout: next }, result: NONE };
    }
    case 'unhealthy':
      return {
        change: { rollout: { ...rollout, phase: 'Halted', message: verdict.reason, updatedAt: at } },
        result: {
          push: [],
          events: [
            {
              reason: 'RolloutHalted',
              type: 'Warning',
              message: `rollout of ${rollout.hash} halted at ${stepText} (${rollout.cohort.length} proxies): ${verdict.reason}`,
            },
          ],
        },
      };
    case 'healthy':
      if (rollout.spec.promote === 'manual')
        return {
          change: {
            rollout: {
              ...rollout,
              phase: 'Paused',
              message: `${verdict.reason}; waiting for kong-fleet rollout promote`,
              updatedAt: at,
            },
          },
          result: NONE,
        };
      return promoted(rollout, proxyIds, at, verdict.reason);
  }
}

/** The next step (or completion) of `rollout`, with the pushes and the Event it owes. */
function promoted(
  rollout: RolloutState,
  proxyIds: readonly string[],
  at: string,
  why: string,
): { change: TargetChange; result: Effects } {
  const last = rollout.step + 1 >= rollout.spec.steps.length;
  if (last) {
    const done = completeAt(rollout.hash, rollout.spec, at, why, rollout.startedAt, rollout.stableHash);
    return {
      change: { rollout: done },
      result: {
        push: proxyIds.filter((id) => !rollout.cohort.includes(id)),
        events: [
          {
            reason: 'RolloutCompleted',
            type: 'Normal',
            message: `rollout of ${rollout.hash} complete: every proxy gets it (${why})`,
          },
        ],
      },
    };
  }
  const step = rollout.step + 1;
  const cohort = cohortFor(rollout.hash, rollout.spec.steps[step]!, proxyIds, rollout.cohort);
  const { settledAt: _settled, baseline: _baseline, ...rest } = rollout;
  const next: RolloutState = {
    ...rest,
    step,
    cohort,
    phase: 'Progressing',
    stepStartedAt: at,
    message: `step ${step + 1}/${rollout.spec.steps.length}: pushing to ${cohort.length} proxies`,
    updatedAt: at,
  };
  return {
    change: { rollout: next },
    result: {
      push: cohort.filter((id) => !rollout.cohort.includes(id)),
      events: [
        {
          reason: 'RolloutStepPromoted',
          type: 'Normal',
          message: `rollout of ${rollout.hash}: step ${rollout.step + 1} passed (${why}); step ${step + 1}/${rollout.spec.steps.length} gives it to ${cohort.length}/${proxyIds.length} proxies`,
        },
      ],
    },
  };
}

function beginRollout(
  hash: string,
  stableHash: string,
  spec: RolloutSpec,
  proxyIds: readonly string[],
  at: string,
): RolloutState {
  if (hash === stableHash) return completeAt(hash, spec, at, 'the fleet runs this build');
  const cohort = cohortFor(hash, spec.steps[0]!, proxyIds);
  return {
    hash,
    stableHash,
    spec,
    step: 0,
    cohort,
    phase: 'Progressing',
    startedAt: at,
    stepStartedAt: at,
    message: `step 1/${spec.steps.length}: pushing to ${cohort.length} proxies`,
    updatedAt: at,
  };
}

/** A rollout whose build every proxy gets; `previous` (the stable build it replaced) is what a rollback returns to. */
function completeAt(
  hash: string,
  spec: RolloutSpec,
  at: string,
  message: string,
  startedAt = at,
  previous = hash,
): RolloutState {
  return {
    hash,
    stableHash: previous,
    spec,
    step: spec.steps.length - 1,
    cohort: [],
    phase: 'Complete',
    startedAt,
    stepStartedAt: at,
    message,
    updatedAt: at,
  };
}

/** The cohort's status and what each served since the pause began (counters from the traffic scrape). */
async function observeCanaries(
  deps: Pick<PipelineDeps, 'registry' | 'traffic' | 'fleet' | 'rollouts'>,
  rollout: RolloutState,
  now: number,
): Promise<CanaryObservation[]> {
  const statuses = await Promise.all(rollout.cohort.map((id) => deps.registry.status(id)));
  const traffic = deps.traffic;
  const [seen, scrapes] = traffic
    ? await Promise.all([traffic.store.seen(rollout.cohort), traffic.store.scrapeStatus(rollout.cohort)])
    : [new Map(), []];
  const settledAt = rollout.settledAt ? Date.parse(rollout.settledAt) : undefined;
  const baseline: Record<string, RequestBaseline> = { ...rollout.baseline };
  let baselineChanged = false;
  const observations = rollout.cohort.map((proxy, i): CanaryObservation => {
    const status = statuses[i]!;
    const view = viewOfProxy(status, rollout.hash, now, deps.fleet.staleAfterMs);
    const scrapedAt = scrapes[i]?.lastSuccessAt ? Date.parse(scrapes[i]!.lastSuccessAt!) : undefined;
    const counters = seen.get(proxy);
    let served: CanaryObservation['served'];
    if (settledAt !== undefined && counters && scrapedAt !== undefined && scrapedAt > settledAt) {
      const totals = { ...requestTotals(counters), at: scrapedAt };
      const first = baseline[proxy];
      if (!first) {
        // The first scrape after the cohort settled: what came before was served on the old build.
        baseline[proxy] = totals;
        baselineChanged = true;
      } else if (scrapedAt >= (first.at ?? 0) + rollout.spec.pauseMs) {
        served = servedSince(first, totals);
      }
    }
    return {
      proxy,
      ...(status.actualHash ? { actualHash: status.actualHash } : {}),
      rejected: status.rejectedHash === rollout.hash,
      reachable: view.state !== 'Unreachable' && view.state !== 'NeverSynced',
      ...(served ? { served } : {}),
    };
  });
  if (baselineChanged) {
    // Baselines are facts (counters at a time), written apart from the decision: a lost race only
    // means the next look records them again.
    await deps.rollouts.update((current) =>
      current.rollout?.hash === rollout.hash && current.rollout.step === rollout.step
        ? { change: { rollout: { ...current.rollout, baseline } }, result: undefined }
        : { result: undefined },
    );
  }
  return observations;
}

/**
 * The rollout spec in force: the ProxyFleet's, or when that is invalid or unreadable the one the rollout
 * under way began with (the last good one).
 */
export async function rolloutSpecOf(
  deps: Pick<PipelineDeps, 'fleet'>,
  rollout: RolloutState | undefined,
): Promise<{ spec: RolloutSpec | undefined; error?: string }> {
  let raw: unknown;
  try {
    raw = await deps.fleet.rolloutSpec();
  } catch (err) {
    // The API server away must not stop builds from shipping: the rollout in force carries on.
    return { spec: rollout?.spec, error: `cannot read the ProxyFleet: ${(err as Error).message}` };
  }
  const parsed = parseRolloutSpec(raw);
  if ('error' in parsed) return { spec: rollout?.spec, error: parsed.error };
  return { spec: parsed.spec };
}

/**
 * What a new build does to the fleet (jobs/build.ts calls this once `desired` moved): a pinned fleet
 * takes nothing, a fleet with `spec.rollout` begins a rollout (only the first step's proxies are
 * pushed), any other fleet is pushed at once. Returns how many pushes were asked for.
 */
export async function deliverNewBuild(
  deps: PipelineDeps,
  desired: Desired,
  previous: string,
): Promise<number> {
  const { spec } = await rolloutSpecOf(deps, (await deps.rollouts.read()).rollout);
  const proxies = (await deps.registry.list()).map((proxy) => proxy.id);
  const effects = await deps.rollouts.update((current): { change?: TargetChange; result: Effects } => {
    if (current.pin) return { result: NONE };
    if (!spec)
      return current.rollout
        ? { change: { rollout: null }, result: { push: 'all', events: [] } }
        : { result: { push: 'all', events: [] } };
    const rollout = current.rollout;
    // No rollout yet: the fleet was given `previous` (the build before this one).
    const stable = !rollout ? previous : rollout.phase === 'Complete' ? rollout.hash : rollout.stableHash;
    if (!stable)
      return {
        change: { rollout: completeAt(desired.hash, spec, new Date().toISOString(), 'first build') },
        result: { push: 'all', events: [] },
      };
    const next = beginRollout(desired.hash, stable, spec, proxies, new Date().toISOString());
    return {
      change: { rollout: next },
      result: { push: [...new Set([...(rollout?.cohort ?? []), ...next.cohort])], events: [] },
    };
  });
  await applyEffects(deps, effects);
  await deps.producer.enqueue(rolloutTick, { reason: `build ${desired.hash}` });
  return effects.push === 'all' ? proxies.length : effects.push.length;
}

export type RolloutActionResult =
  | { readonly ok: true; readonly message: string }
  | { readonly ok: false; readonly message: string };

/** `kong-fleet rollout promote`: the step under way (paused, halted or still pausing) passes now. */
export async function promoteRollout(deps: RolloutDeps, by: string): Promise<RolloutActionResult> {
  const proxies = (await deps.registry.list()).map((proxy) => proxy.id);
  const at = new Date().toISOString();
  const outcome = await deps.rollouts.update<ActionOutcome>((current) => {
    const rollout = current.rollout;
    if (current.pin) return { result: refused(`the fleet is pinned to ${current.pin.hash}: unpin it first`) };
    if (!rollout || rollout.phase === 'Complete' || rollout.phase === 'Aborted')
      return { result: refused('no rollout is under way') };
    const { change, result } = promoted(rollout, proxies, at, `promoted by ${by}`);
    return {
      change,
      result: {
        effects: result,
        message: change.rollout ? rolloutSummary(change.rollout, proxies.length) : '',
      },
    };
  });
  return finishAction(deps, outcome);
}

/** `kong-fleet rollout abort`: every proxy returns to the stable build; the next build rolls out afresh. */
export async function abortRollout(deps: RolloutDeps, by: string): Promise<RolloutActionResult> {
  const at = new Date().toISOString();
  const outcome = await deps.rollouts.update<ActionOutcome>((current) => {
    const rollout = current.rollout;
    if (!rollout || rollout.phase === 'Complete' || rollout.phase === 'Aborted')
      return { result: refused('no rollout is under way') };
    const message = `aborted by ${by}: ${rollout.cohort.length} proxies return to ${rollout.stableHash}`;
    return {
      change: { rollout: { ...rollout, phase: 'Aborted', message, stepStartedAt: at, updatedAt: at } },
      result: {
        effects: {
          push: rollout.cohort,
          events: [
            { reason: 'RolloutAborted', type: 'Warning', message: `rollout of ${rollout.hash} ${message}` },
          ],
        } satisfies Effects,
        message,
      },
    };
  });
  return finishAction(deps, outcome);
}

/**
 * `kong-fleet rollback [HASH]`: pins every proxy to a kept build (HASH, or the one before the current)
 * until unpinned; a rollout under way ends there (the pin overrides it).
 */
export async function pinFleet(
  deps: RolloutDeps,
  requested: string | undefined,
  by: string,
): Promise<RolloutActionResult> {
  const [desired, recent] = await Promise.all([deps.builds.desired(), deps.builds.recent()]);
  const kept = recent.map((build) => build.hash);
  const at = new Date().toISOString();
  const outcome = await deps.rollouts.update<ActionOutcome>(async (current) => {
    // What a proxy outside any cohort is given: the build the fleet as a whole runs now.
    const fleetHash = targetHash('', desired?.hash, current);
    const choice = choosePin({
      ...(requested ? { requested } : {}),
      kept,
      current: fleetHash,
      ...(current.rollout ? { rollout: current.rollout } : {}),
    });
    if ('error' in choice) return { result: refused(choice.error) };
    if (!(await deps.builds.has(choice.hash)))
      return { result: refused(`build ${choice.hash} is no longer stored`) };
    const pin: FleetPin = { hash: choice.hash, at, reason: `rollback by ${by}` };
    const rollout = current.rollout;
    const change: TargetChange = {
      pin,
      ...(rollout && rollout.phase !== 'Complete' && rollout.phase !== 'Aborted'
        ? {
            rollout: {
              ...rollout,
              phase: 'Aborted' as const,
              message: `ended by the pin to ${choice.hash}`,
              stepStartedAt: at,
              updatedAt: at,
            },
          }
        : {}),
    };
    const message = `pinned to ${choice.hash}${desired && desired.hash !== choice.hash ? ` (newest build ${desired.hash} is not taken)` : ''}`;
    return {
      change,
      result: {
        effects: {
          push: 'all',
          events: [{ reason: 'FleetPinned', type: 'Normal', message: `fleet ${message} by ${by}` }],
        } satisfies Effects,
        message,
      },
    };
  });
  return finishAction(deps, outcome);
}

/**
 * `kong-fleet rollback --unpin` from anywhere: marks the pin for release; the rollout job lifts it
 * (unpinFleet) with the ProxyFleet's spec.rollout at hand. The pin holds until then.
 */
export async function requestUnpin(deps: RolloutDeps, by: string): Promise<RolloutActionResult> {
  const outcome = await deps.rollouts.update<ActionOutcome>((current) => {
    const pin = current.pin;
    if (!pin) return { result: refused('the fleet is not pinned') };
    return {
      change: { pin: { ...pin, releaseRequestedBy: by } },
      result: {
        effects: NONE,
        message: `unpinning ${pin.hash}: the controller delivers the newest build next`,
      },
    };
  });
  if (outcome.refused) return { ok: false, message: outcome.message };
  await deps.producer.enqueue(rolloutTick, { reason: 'unpin requested' });
  return { ok: true, message: outcome.message };
}

/** Lifts the pin: the newest build goes out again (through a rollout where spec.rollout is set). */
export async function unpinFleet(
  deps: RolloutDeps,
  spec: RolloutSpec | undefined,
  by: string,
): Promise<RolloutActionResult> {
  const [desired, proxies] = await Promise.all([
    deps.builds.desired(),
    deps.registry.list().then((list) => list.map((proxy) => proxy.id)),
  ]);
  const at = new Date().toISOString();
  const outcome = await deps.rollouts.update<ActionOutcome>((current) => {
    const pin = current.pin;
    if (!pin) return { result: refused('the fleet is not pinned') };
    const event: PendingEvent = {
      reason: 'FleetUnpinned',
      type: 'Normal',
      message: `fleet unpinned from ${pin.hash} by ${by}${desired ? `; newest build ${desired.hash} goes out${spec ? ' through a rollout' : ''}` : ''}`,
    };
    const rollout =
      spec && desired && desired.hash !== pin.hash
        ? beginRollout(desired.hash, pin.hash, spec, proxies, at)
        : null;
    const push = rollout ? rollout.cohort : ('all' as const);
    return {
      change: {
        pin: null,
        rollout: rollout ?? (spec && desired ? completeAt(desired.hash, spec, at, 'unpinned') : null),
      },
      result: { effects: { push, events: [event] } satisfies Effects, message: event.message },
    };
  });
  return finishAction(deps, outcome);
}

interface ActionOutcome {
  readonly effects: Effects;
  readonly message: string;
  readonly refused?: true;
}

function refused(message: string): ActionOutcome {
  return { effects: NONE, message, refused: true };
}

async function finishAction(deps: RolloutDeps, outcome: ActionOutcome): Promise<RolloutActionResult> {
  if (outcome.refused) return { ok: false, message: outcome.message };
  await applyEffects(deps, outcome.effects);
  await deps.producer.enqueue(rolloutTick, { reason: outcome.message.slice(0, 300) });
  await requestFleetStatus(deps);
  return { ok: true, message: outcome.message };
}

/** Pushes to the proxies whose build changed, keeps the builds in use from eviction, queues the Events. */
async function applyEffects(deps: RolloutDeps, effects: Effects): Promise<void> {
  const [desired, target] = await Promise.all([deps.builds.desired(), deps.rollouts.read()]);
  await deps.builds.protect(hashesInUse(desired?.hash, target));
  if (effects.events.length > 0) await deps.rollouts.announce(effects.events);
  const ids =
    effects.push === 'all' ? (await deps.registry.list()).map((proxy) => proxy.id) : [...effects.push];
  await Promise.all(ids.map((proxy) => deps.producer.enqueue(pushConfig, { proxy })));
}

/** Writes the Events the rollout owes the ProxyFleet (queued by any process, written where the API is). */
async function recordPendingEvents(deps: PipelineDeps, ctx: JobContext<PipelineDeps>): Promise<void> {
  const events = await deps.rollouts.takeAnnouncements();
  if (events.length === 0) return;
  const fleet = involvedObjectOf(deps.fleet.fleetRef());
  for (const event of events) {
    await deps.events.record(fleet, event.type, event.reason, event.message).catch((err: unknown) => {
      ctx.log.warn({ err, reason: event.reason }, 'could not record a rollout Event');
    });
  }
  await requestFleetStatus(deps);
}
