/**
 * A long-lived part of the process (an informer set, proxy discovery, a scheduler installer). It
 * works until `signal` aborts and resolves once it has stopped; a rejection means it crashed.
 */
export interface Runnable {
  readonly name: string;
  run(signal: AbortSignal): Promise<void>;
  /** For /readyz: false while it cannot do its job yet (for example, informers not yet listed). */
  ready?(): boolean;
  /** For /readyz: why ready() is false, in a few words. */
  notReadyReason?(): string | undefined;
}
