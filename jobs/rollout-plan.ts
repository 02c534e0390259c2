/**
 * The pure rules of a staged rollout: how many proxies a step covers, which proxies they are (a
 * deterministic order, so a restart or another leader picks the same ones), whether a step is healthy,
 * which build a rollback may pin, and how ProxyFleet `spec.rollout` is read. No I/O: jobs/rollout.ts
 * applies them.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { RequestBaseline, RolloutSpec, RolloutState, RolloutStep } from '../domain/rollout.ts';
import type { ProxyCounters } from '../kong/traffic/fleet-series.ts';
import { summarizeTraffic } from '../kong/traffic/traffic-summary.ts';
import { formatDuration, parseDuration } from '../lib/duration.ts';

/** How many of `fleetSize` proxies a step covers: at least one, at most all. */
export function stepSize(step: RolloutStep, fleetSize: number): number {
  if (fleetSize <= 0) return 0;
  const wanted = 'proxies' in step ? step.proxies : Math.ceil((fleetSize * step.percent) / 100);
  return Math.min(fleetSize, Math.max(1, wanted));
}

/** The fleet in the order a rollout of `hash` takes it (a hash of build and proxy: spreads the risk, never random). */
export function rolloutOrder(hash: string, proxyIds: readonly string[]): string[] {
  const rank = (id: string) => createHash('sha256').update(`${hash}\n${id}`).digest('hex');
  return [...proxyIds].sort((a, b) => rank(a).localeCompare(rank(b)) || a.localeCompare(b));
}

/**
 * The cohort of a step: the proxies already on the build (those still in the fleet) plus the next ones
 * in rollout order until the step's size. A cohort never shrinks, so a proxy once given the build keeps it.
 */
export function cohortFor(
  hash: string,
  step: RolloutStep,
  proxyIds: readonly string[],
  current: readonly string[] = [],
): string[] {
  const present = new Set(proxyIds);
  const cohort = current.filter((id) => present.has(id));
  const size = stepSize(step, proxyIds.length);
  for (const id of rolloutOrder(hash, proxyIds)) {
    if (cohort.length >= size) break;
    if (!cohort.includes(id)) cohort.push(id);
  }
  return cohort;
}

/** Requests and 5xx answers in a proxy's counters, every route summed. */
export function requestTotals(counters: ProxyCounters): RequestBaseline {
  let requests = 0;
  let errors = 0;
  for (const route of summarizeTraffic(counters.series)) {
    requests += route.requests;
    errors += route.serverErrors;
  }
  return counters.nodeId === undefined ? { requests, errors } : { requests, errors, nodeId: counters.nodeId };
}

/** What a proxy served since its baseline; a restart (new node id, lower counts) counts from zero. */
export function servedSince(baseline: RequestBaseline | undefined, now: RequestBaseline): RequestBaseline {
  const restarted =
    baseline === undefined ||
    (baseline.nodeId !== undefined && now.nodeId !== undefined && baseline.nodeId !== now.nodeId) ||
    now.requests < baseline.requests ||
    now.errors < baseline.errors;
  if (restarted) return { requests: now.requests, errors: now.errors };
  return { requests: now.requests - baseline.requests, errors: now.errors - baseline.errors };
}

/** One cohort proxy as the health check sees it. */
export interface CanaryObservation {
  readonly proxy: string;
  /** The hash the proxy last reported. */
  readonly actualHash?: string;
  /** The proxy answered 400 to the rollout's build. */
  readonly rejected: boolean;
  /** The proxy answered lately (push or drift check). */
  readonly reachable: boolean;
  /** What it served since the pause began; undefined when no metrics were read since then. */
  readonly served?: { readonly requests: number; readonly errors: number };
}

export type HealthVerdict =
  | { readonly verdict: 'wait'; readonly reason: string }
  | { readonly verdict: 'healthy'; readonly reason: string }
  | { readonly verdict: 'unhealthy'; readonly reason: string };

/**
 * Whether a step's proxies may pass the build on. Unhealthy at once: a proxy rejected the build, or is
 * unreachable after the pause, or the 5xx share of what the cohort served exceeds the limit. Waiting:
 * the build is not on every cohort proxy yet, or the pause is not over, or their metrics were not read
 * since — until the step timeout, which makes any of these unhealthy. Without traffic (fewer than
 * minRequests) the error rate is not judged.
 */
export function healthVerdict(input: {
  readonly hash: string;
  readonly spec: RolloutSpec;
  readonly canaries: readonly CanaryObservation[];
  readonly now: number;
  readonly stepStartedAt: number;
  readonly settledAt?: number;
  /** False where no traffic is scraped: the error rate cannot be judged. */
  readonly metrics: boolean;
}): HealthVerdict {
  const { hash, spec, canaries, now } = input;
  const short = hash.slice(0, 12);
  const rejected = canaries.find((canary) => canary.rejected);
  if (rejected) return { verdict: 'unhealthy', reason: `proxy ${rejected.proxy} rejected build ${short}` };
  const timedOut = now - input.stepStartedAt > spec.stepTimeoutMs;
  const behind = canaries.filter((canary) => canary.actualHash !== hash);
  if (behind.length > 0) {
    const names = behind.map((canary) => canary.proxy).join(', ');
    return timedOut
      ? {
          verdict: 'unhealthy',
          reason: `${names} did not run ${short} within ${formatDuration(spec.stepTimeoutMs)}`,
        }
      : { verdict: 'wait', reason: `waiting for ${names} to run ${short}` };
  }
  if (input.settledAt === undefined || now - input.settledAt < spec.pauseMs)
    return {
      verdict: 'wait',
      reason: `${canaries.length} proxies run ${short}; pausing ${formatDuration(spec.pauseMs)}`,
    };
  const unreachable = canaries.find((canary) => !canary.reachable);
  if (unreachable) return { verdict: 'unhealthy', reason: `proxy ${unreachable.proxy} is unreachable` };
  if (!input.metrics) return { verdict: 'healthy', reason: 'running; no traffic metrics to judge' };
  const unread = canaries.filter((canary) => canary.served === undefined);
  if (unread.length > 0) {
    const names = unread.map((canary) => canary.proxy).join(', ');
    return timedOut && now - input.settledAt > spec.pauseMs + spec.stepTimeoutMs
      ? { verdict: 'unhealthy', reason: `no metrics from ${names} since the pause began` }
      : { verdict: 'wait', reason: `waiting for metrics from ${names}` };
  }
  const requests = canaries.reduce((sum, canary) => sum + (canary.served?.requests ?? 0), 0);
  const errors = canaries.reduce((sum, canary) => sum + (canary.served?.errors ?? 0), 0);
  if (requests < spec.minRequests)
    return {
      verdict: 'healthy',
      reason: `${requests} requests in the pause (fewer than ${spec.minRequests}): error rate not judged`,
    };
  const percent = (errors / requests) * 100;
  const rate = `${errors}/${requests} requests answered 5xx (${percent.toFixed(1)} %)`;
  return percent > spec.maxErrorPercent
    ? { verdict: 'unhealthy', reason: `${rate}, above ${spec.maxErrorPercent} %` }
    : { verdict: 'healthy', reason: rate };
}

/** A one-line progress text for status and `kubectl get proxyfleet`: "step 1/3 (1/3 proxies): Halted". */
export function rolloutSummary(rollout: RolloutState, fleetSize: number): string {
  const on =
    rollout.phase === 'Complete' ? fleetSize : rollout.phase === 'Aborted' ? 0 : rollout.cohort.length;
  if (rollout.phase === 'Complete') return `${rollout.hash.slice(0, 12)} on all ${fleetSize} proxies`;
  return `step ${rollout.step + 1}/${rollout.spec.steps.length} (${on}/${fleetSize} proxies at ${rollout.hash.slice(0, 12)}): ${rollout.phase}`;
}

export type PinChoice = { readonly hash: string } | { readonly error: string };

/**
 * Which build `kong-fleet rollback [HASH]` pins: the one named (a unique prefix of a kept build), or
 * without one the build the fleet ran before the current one (a rollout's stable build; otherwise the
 * kept build after the current one, newest first). Only kept builds can be pinned: their text is what
 * the proxies are sent.
 */
export function choosePin(input: {
  readonly requested?: string;
  /** Kept builds, newest first. */
  readonly kept: readonly string[];
  /** What the fleet is being given now (targetHash of a proxy outside any cohort). */
  readonly current: string | undefined;
  readonly rollout?: RolloutState;
}): PinChoice {
  const { requested, kept, current } = input;
  if (requested !== undefined) {
    const matches = kept.filter((hash) => hash.startsWith(requested.toLowerCase()));
    if (matches.length === 1) return { hash: matches[0]! };
    if (matches.length > 1)
      return { error: `"${requested}" matches ${matches.length} kept builds: give more of the hash` };
    return {
      error: `no kept build starts with "${requested}" (kept: ${kept.map((hash) => hash.slice(0, 12)).join(', ') || 'none'})`,
    };
  }
  // The build the whole fleet ran before this one: a rollout's stable build (under way, or the one a
  // complete rollout replaced), not a build that never got past its canaries.
  const rollout = input.rollout;
  const underWay = rollout !== undefined && rollout.phase !== 'Complete' && rollout.phase !== 'Aborted';
  if (rollout && (underWay || rollout.stableHash !== current) && kept.includes(rollout.stableHash))
    return { hash: rollout.stableHash };
  const index = current === undefined ? -1 : kept.indexOf(current);
  const earlier = index >= 0 ? kept[index + 1] : kept.find((hash) => hash !== current);
  return earlier ? { hash: earlier } : { error: 'no earlier build is kept to roll back to' };
}

const StepSchema = z.union([
  z.strictObject({ proxies: z.number().int().min(1) }),
  z.strictObject({ percent: z.number().min(1).max(100) }),
]);

const DurationText = z
  .string()
  .refine((text) => parseDuration(text) !== undefined, { message: 'expected a duration such as 30s or 5m' });

const RolloutSpecSchema = z.strictObject({
  strategy: z.literal('Canary').default('Canary'),
  steps: z.array(StepSchema).min(1).max(20),
  pause: DurationText.default('30s'),
  promote: z.enum(['auto', 'manual']).default('auto'),
  maxErrorPercent: z.number().min(0).max(100).default(5),
  minRequests: z.number().int().min(0).default(20),
  stepTimeout: DurationText.default('5m'),
});

export type ParsedRolloutSpec = { readonly spec: RolloutSpec | undefined } | { readonly error: string };

/** ProxyFleet `spec.rollout` as written by a user (the CRD schema checks most of it first). */
export function parseRolloutSpec(raw: unknown): ParsedRolloutSpec {
  if (raw === undefined || raw === null) return { spec: undefined };
  const parsed = RolloutSpecSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map(
      (issue) => `spec.rollout.${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`,
    );
    return { error: issues.join('; ') };
  }
  const { pause, stepTimeout, ...rest } = parsed.data;
  return { spec: { ...rest, pauseMs: parseDuration(pause)!, stepTimeoutMs: parseDuration(stepTimeout)! } };
}
