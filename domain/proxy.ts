/**
 * The proxies of the fleet as the controller knows them: where each one is (ProxyEndpoint) and what
 * it last learned about it (ProxyStatus). Plain values: how they are stored is the registry's business.
 */

export type ProxySource = 'EndpointSlice' | 'Static';

export interface ProxyEndpoint {
  /** Stable name: the pod name for discovered proxies, a slug of the URL for static ones. */
  readonly id: string;
  readonly adminUrl: string;
  readonly source: ProxySource;
  readonly podRef?: { readonly name: string; readonly namespace: string };
  /** TLS server name to verify; defaults to the URL's host. */
  readonly serverName?: string;
}

/** What a proxy reports in `GET /` (the same values as @kong-fleet/kong-dbless's RouterFlavor and KongEdition). */
export type RouterFlavor = 'traditional_compatible' | 'traditional' | 'expressions';
export type KongEdition = 'community' | 'enterprise';

/**
 * What a Kong node validates a config with, as it reports it in `GET /`: the same shape as the translator's
 * ValidatorProfile. A build is made for the profiles the fleet reported (jobs/fleet-profiles.ts) and sent only
 * to proxies whose profile is among them (jobs/push.ts).
 */
export interface ProxyProfile {
  readonly kongVersion: string;
  readonly routerFlavor: RouterFlavor;
  readonly edition: KongEdition;
}

/** The profile a proxy reported, once it reported all of it. */
export function profileOf(
  status: Pick<ProxyStatus, 'kongVersion' | 'routerFlavor' | 'edition'>,
): ProxyProfile | undefined {
  const { kongVersion, routerFlavor, edition } = status;
  return kongVersion && routerFlavor && edition ? { kongVersion, routerFlavor, edition } : undefined;
}

/** `Kong 3.9.1 (traditional_compatible, community)`, as messages name a profile. */
export function describeProfile(profile: ProxyProfile): string {
  return `Kong ${profile.kongVersion} (${profile.routerFlavor}, ${profile.edition})`;
}

/** Whether two profiles are the same (a build made for one is one made for the other). */
export function sameProfile(a: ProxyProfile, b: ProxyProfile): boolean {
  return a.kongVersion === b.kongVersion && a.routerFlavor === b.routerFlavor && a.edition === b.edition;
}

/** `Unknown`: the proxy answers, but its configuration hash was not read within the freshness window. */
export type ProxyState =
  | 'Synced'
  | 'Pending'
  | 'Rejected'
  | 'Unreachable'
  | 'NeverSynced'
  | 'Incompatible'
  | 'Unknown';

/** A metav1.Condition (the ProxyInstance's last written ones are kept to carry transition times over). */
export interface Condition {
  readonly type: string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason: string;
  readonly message: string;
  readonly lastTransitionTime: string;
  readonly observedGeneration?: number;
}

export interface ProxyStatus {
  readonly state?: ProxyState;
  /** The build the controller wants this proxy to run. */
  readonly desiredHash?: string;
  /** What the proxy itself last reported in GET /status (never assumed). */
  readonly actualHash?: string;
  /** When actualHash was read (ISO): a proxy restarts and loses its config without telling anyone. */
  readonly actualHashAt?: string;
  readonly kongVersion?: string;
  /** The router flavor and edition the proxy reports in `GET /` (with kongVersion: its validator profile). */
  readonly routerFlavor?: RouterFlavor;
  readonly edition?: KongEdition;
  /** ISO times. */
  readonly lastPushAt?: string;
  /** Last time the proxy answered at all. */
  readonly lastSeenAt?: string;
  readonly lastError?: string;
  /**
   * Why the proxy is not sent its build yet: the build was not made for its profile (Kong version, router
   * flavor, edition), and a build that is has been asked for. Cleared by the push that sends one.
   */
  readonly awaitingBuild?: string;
  /** The last build this proxy rejected with a 400: it is never sent to this proxy again. */
  readonly rejectedHash?: string;
  /** Drift repairs in a row without reaching the desired hash (reset when in sync). */
  readonly repairAttempts?: number;
  /** No drift repair before this time (per-proxy repair backoff). */
  readonly nextRepairAt?: string;
  /** Digest of the ProxyInstance status last written (times aside), when, and its conditions. */
  readonly instanceDigest?: string;
  readonly instanceWrittenAt?: string;
  readonly instanceConditions?: readonly Condition[];
  readonly updatedAt?: string;
}

/** A change to a proxy's status: a field set to a value is written, a field set to null is cleared. */
export type ProxyStatusPatch = {
  readonly [K in Exclude<keyof ProxyStatus, 'updatedAt'>]?: ProxyStatus[K] | null;
};

export interface RegistryChange {
  readonly added: readonly ProxyEndpoint[];
  readonly removed: readonly string[];
  readonly updated: readonly ProxyEndpoint[];
}
