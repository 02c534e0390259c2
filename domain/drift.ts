/** Drift reports: what one drift check found on every proxy, and what it did about it. */

export type RepairMode = 'enforce' | 'warn' | 'disabled';
export const REPAIR_MODES: readonly RepairMode[] = Object.freeze(['enforce', 'warn', 'disabled']);

/** `converging`: still on the previous build shortly after a new one (its push is on the way). */
export type DriftClass = 'in-sync' | 'converging' | 'drifted' | 'unreachable' | 'no-build';
/** Why a drifted proxy differs: lost its config (restart), runs an older build, or someone else's. */
export type DriftCause = 'empty' | 'previous-build' | 'foreign';
export type DriftAction = 'none' | 're-pushed' | 'backing-off' | 'reported' | 'not-repaired-rejected';

/** Entities added / changed / removed on a proxy relative to the desired build. */
export interface EntityChangeCounts {
  readonly added: number;
  readonly changed: number;
  readonly removed: number;
}

export interface ProxyDriftEntry {
  readonly proxy: string;
  readonly address: string;
  readonly expectedHash: string | null;
  readonly actualHash: string | null;
  readonly class: DriftClass;
  readonly cause?: DriftCause;
  readonly action: DriftAction;
  readonly latencyMs: number;
  readonly error?: string;
  /** Present when the proxy's config could be read and diffed. */
  readonly changes?: EntityChangeCounts;
}

export interface DriftReport {
  /** Stream id, set when read back. */
  readonly id?: string;
  readonly at: string;
  readonly desiredHash: string | null;
  readonly repairMode: RepairMode;
  readonly durationMs: number;
  readonly summary: {
    readonly inSync: number;
    readonly drifted: number;
    readonly unreachable: number;
    readonly total: number;
  };
  readonly proxies: readonly ProxyDriftEntry[];
}
