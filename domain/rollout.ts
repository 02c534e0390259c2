/**
 * Staged rollout and pinning: what ProxyFleet `spec.rollout` asks for, the rollout under way (kept in
 * Redis so it survives a restart or a leader handoff) and a pin to an earlier build. Plain values; the
 * rules live in jobs/rollout-plan.ts and the one answer to "which hash does this proxy get" in
 * jobs/target-hash.ts.
 */

/** A step gives the new build to a number of proxies or to a percentage of the fleet (rounded up). */
export type RolloutStep = { readonly proxies: number } | { readonly percent: number };

export interface RolloutSpec {
  readonly strategy: 'Canary';
  readonly steps: readonly RolloutStep[];
  /** How long a step's proxies serve the new build before their health is judged. */
  readonly pauseMs: number;
  /** `auto`: a healthy step promotes itself; `manual`: it waits for `kong-fleet rollout promote`. */
  readonly promote: 'auto' | 'manual';
  /** A step whose proxies answer more than this share of 5xx (0–100) halts. */
  readonly maxErrorPercent: number;
  /** Fewer requests than this in the pause say nothing about the error rate (not judged). */
  readonly minRequests: number;
  /** A step whose proxies do not all run the new build (and report metrics) within this halts. */
  readonly stepTimeoutMs: number;
}

/**
 * - Progressing: the step's proxies are getting the build or serving it for the pause;
 * - Paused: the step was healthy and waits for a manual promote;
 * - Halted: the step was unhealthy: no further proxy gets the build (promote or abort decide);
 * - Aborted: every proxy is back on the stable build;
 * - Complete: every proxy gets the build.
 */
export type RolloutPhase = 'Progressing' | 'Paused' | 'Halted' | 'Aborted' | 'Complete';

/** A proxy's request counters when its step's pause began (all routes summed). */
export interface RequestBaseline {
  readonly requests: number;
  readonly errors: number;
  readonly nodeId?: string;
  /** When the scrape that read them ran (ms). */
  readonly at?: number;
}

/** An Event the rollout owes the ProxyFleet (written by the rollout job, which has the API). */
export interface PendingEvent {
  readonly reason:
    | 'RolloutStepPromoted'
    | 'RolloutHalted'
    | 'RolloutAborted'
    | 'RolloutCompleted'
    | 'FleetPinned'
    | 'FleetUnpinned';
  readonly type: 'Normal' | 'Warning';
  readonly message: string;
}

export interface RolloutState {
  /** The build being rolled out. */
  readonly hash: string;
  /** The build every proxy outside the cohort keeps (and the cohort returns to on abort). */
  readonly stableHash: string;
  /** The steps as they were when the rollout began (a spec edit applies to the next rollout). */
  readonly spec: RolloutSpec;
  /** Index into spec.steps. */
  readonly step: number;
  /** Proxies that get `hash` (grows step by step, never shrinks while the rollout lives). */
  readonly cohort: readonly string[];
  readonly phase: RolloutPhase;
  readonly startedAt: string;
  readonly stepStartedAt: string;
  /** When every cohort proxy first reported `hash` in this step (the pause runs from here). */
  readonly settledAt?: string;
  /** Per cohort proxy, taken at settledAt. */
  readonly baseline?: Readonly<Record<string, RequestBaseline>>;
  /** Why the rollout is where it is (the last verdict), for status and the CLI. */
  readonly message: string;
  readonly updatedAt: string;
}

export interface FleetPin {
  readonly hash: string;
  readonly at: string;
  /** Who or what pinned it, for status. */
  readonly reason: string;
  /**
   * Who asked to lift the pin (`kong-fleet rollback --unpin`): the rollout job, which reads the
   * ProxyFleet's spec.rollout, lifts it. The pin holds until then.
   */
  readonly releaseRequestedBy?: string;
}

/** Everything besides `desired` that decides which build a proxy gets. */
export interface FleetTarget {
  readonly pin?: FleetPin;
  readonly rollout?: RolloutState;
}
