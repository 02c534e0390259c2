/**
 * Shadow mode and takeover (issue 15): kong-fleet beside another controller (KIC) that still pushes.
 * In `shadow` the controller builds and compares but never pushes; `active` pushes. The ProxyFleet's
 * `spec.mode` is the switch; the mode the pipeline acts on is recorded apart from it, because a switch
 * to `active` is refused while the shadow diff is not clean (unless `spec.takeover.force`).
 */

export type FleetMode = 'shadow' | 'active';
export const FLEET_MODES: readonly FleetMode[] = Object.freeze(['active', 'shadow']);

/** What the ProxyFleet's spec asks for. */
export interface FleetModeSpec {
  readonly mode: FleetMode;
  /** Take over even while the shadow diff is not clean. */
  readonly force: boolean;
}

/** The mode the pipeline acts on, with when it last changed and why. */
export interface FleetModeRecord {
  readonly mode: FleetMode;
  readonly since: string;
  /** e.g. "took over: shadow diff clean at hash abc" or "refused: 2 proxies differ". */
  readonly reason: string;
  /** Set while a takeover asked for by the spec is refused. */
  readonly refused?: string;
}

/** One difference, in a line: `~ services foo.80 (host, port)`, `- routes a.b.c`, `+ plugins x`. */
export type DifferenceLine = string;

export interface ShadowProxyEntry {
  readonly proxy: string;
  /** The proxy's configuration_hash when read (null when unreachable). */
  readonly actualHash: string | null;
  readonly clean: boolean;
  readonly added: number;
  readonly changed: number;
  readonly removed: number;
  /** The first few differences, for conditions and CLI. */
  readonly first: readonly DifferenceLine[];
  readonly error?: string;
}

/** One shadow check: every proxy's config against the desired build. */
export interface ShadowReport {
  readonly at: string;
  readonly desiredHash: string | null;
  /** Every proxy read and equal to the desired build, entity by entity and id by id. */
  readonly clean: boolean;
  readonly summary: string;
  readonly proxies: readonly ShadowProxyEntry[];
}

/**
 * The mode to act on now. Going back to shadow is never refused; a switch to active is taken only when
 * forced or when the latest shadow report is clean for the current desired build. Without a record (a
 * fresh fleet, or Redis lost its keys) the spec is followed: the refusal guards the moment of switching.
 */
export function decideFleetMode(
  spec: FleetModeSpec,
  recorded: FleetModeRecord | null,
  report: ShadowReport | null,
  desiredHash: string | null,
  now: Date,
): FleetModeRecord {
  const at = now.toISOString();
  if (spec.mode === 'shadow') {
    return recorded?.mode === 'shadow' && !recorded.refused
      ? recorded
      : { mode: 'shadow', since: at, reason: 'spec.mode is shadow: building and comparing, not pushing' };
  }
  if (!recorded) return { mode: 'active', since: at, reason: 'spec.mode is active' };
  if (recorded.mode === 'active') return recorded;
  if (spec.force) return { mode: 'active', since: at, reason: 'took over (forced)' };
  const current = report !== null && desiredHash !== null && report.desiredHash === desiredHash;
  if (current && report.clean) {
    return { mode: 'active', since: at, reason: `took over: shadow diff clean at hash ${desiredHash}` };
  }
  const refused = !desiredHash
    ? 'no configuration has been built yet'
    : !current
      ? `no shadow check of hash ${desiredHash} yet`
      : report.summary;
  return { mode: 'shadow', since: recorded.since, reason: recorded.reason, refused };
}

/** The mode push and repair obey right now: the spec's shadow at once, otherwise what was decided. */
export function modeInForce(spec: FleetModeSpec, recorded: FleetModeRecord | null): FleetMode {
  if (spec.mode === 'shadow') return 'shadow';
  return recorded?.mode ?? 'active';
}
