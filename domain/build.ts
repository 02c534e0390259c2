/** Build metadata: what the build store records about each config it holds, and where `desired` points. */

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
}

export interface Desired {
  readonly hash: string;
  readonly revision: number;
  readonly at: string;
}
