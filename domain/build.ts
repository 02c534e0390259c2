/** Build metadata: what the build store records about each config it holds, and where `desired` points. */

import type { ProxyProfile } from './proxy.ts';

export interface BuildRecord {
  readonly hash: string;
  /** Object-store revision the build was made from. */
  readonly revision: number;
  readonly createdAt: string;
  readonly sizeBytes: number;
  readonly durationMs: number;
  /** Objects dropped from this build (translation or validation errors, exclusions). */
  readonly droppedObjects: number;
  /** The first dropped objects (`describeObject` text) and why, for the fleet console; absent in older records. */
  readonly dropped?: readonly { readonly object: string; readonly reason: string }[];
  /** When the first change this build carries happened (ms), for the convergence metric. */
  readonly firstChangeAt?: number;
  /**
   * JSON pointers of the config's Secret-sourced strings (provenance for redaction; the values stay
   * in the encrypted build text only). Absent in builds made before provenance was recorded.
   */
  readonly secretPaths?: readonly string[];
  /**
   * The proxy profiles the build was made for (translated for the lowest Kong version among them and validated
   * against each): a proxy is sent the build only when its own profile is one of them (jobs/push.ts). The union
   * over every build that produced this hash, so it grows when a rebuild for more profiles gives the same text.
   * Empty for a build made before any proxy reported; absent for one saved without them (sent to any proxy).
   */
  readonly profiles?: readonly ProxyProfile[];
}

export interface Desired {
  readonly hash: string;
  readonly revision: number;
  readonly at: string;
}
