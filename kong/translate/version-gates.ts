import { compareVersions } from '../admin/kong-version.ts';
import type { K8sObject } from './k8s-object.ts';
import { nameOf, rec, specOf, str } from './k8s-object.ts';

/**
 * The features KIC translates only for a new enough Kong Gateway (its `internal/versions` cutoffs and where it
 * checks them). The version a build is gated by is the lowest one the fleet runs (`lowestKongVersion`), so
 * every proxy can load what is translated; KIC reads one version at start-up and gates by it the same way.
 * `kong/translate/README.md` lists these gates with the KIC files they come from.
 */
export interface KongVersionGate {
  /** What is gated, as the README names it. */
  readonly feature: string;
  /** The first Kong version with the feature. */
  readonly minVersion: string;
}

/** `versions.KongStickySessionsCutoff`: Kong 3.11 added the `sticky-sessions` balancer. */
export const STICKY_SESSIONS_GATE: KongVersionGate = Object.freeze({
  feature: 'KongUpstreamPolicy sticky sessions (algorithm sticky-sessions, spec.stickySessions)',
  minVersion: '3.11.0',
});

/**
 * `versions.KongRedirectPluginCutoff`: Kong 3.9 bundles the `redirect` plugin, which KIC uses for an HTTPRoute
 * RequestRedirect filter (it can keep the request's path); older Kongs get request-termination plus a
 * response-transformer `Location` header.
 */
export const REDIRECT_PLUGIN_GATE: KongVersionGate = Object.freeze({
  feature: 'HTTPRoute RequestRedirect filter as the redirect plugin',
  minVersion: '3.9.0',
});

/**
 * Every gate KIC 3.5 has (`internal/versions`). Its older cutoffs (regex headers 2.8, explicit `~` paths 3.0,
 * consumer groups and expression-router L4 3.4, mTLS credentials 2.3.2, TLS passthrough 2.7) are all at or
 * below `KICv3VersionCutoff` (3.4.1), the lowest Kong KIC 3 runs against, so they are always open.
 */
export const KONG_VERSION_GATES: readonly KongVersionGate[] = Object.freeze([
  REDIRECT_PLUGIN_GATE,
  STICKY_SESSIONS_GATE,
]);

/** Whether `kongVersion` has the gated feature. */
export function gateOpen(gate: KongVersionGate, kongVersion: string): boolean {
  return compareVersions(kongVersion, gate.minVersion) >= 0;
}

/**
 * KIC's check before applying a KongUpstreamPolicy: one asking for sticky sessions on a Kong older than 3.11 is
 * not applied at all (neither its balancer, hashing nor healthchecks), and each Service using it is told with
 * KIC's message. Undefined when the policy may be applied.
 */
export function upstreamPolicyGateProblem(policy: K8sObject, kongVersion: string): string | undefined {
  const spec = specOf(policy);
  const sticky = str(spec.algorithm) === 'sticky-sessions' || rec(spec.stickySessions) !== undefined;
  if (!sticky || gateOpen(STICKY_SESSIONS_GATE, kongVersion)) return undefined;
  return `sticky sessions algorithm specified in KongUpstreamPolicy '${nameOf(policy)}' is not supported with Kong Gateway versions < ${STICKY_SESSIONS_GATE.minVersion}`;
}

/** The lowest of the versions (dotted, compared numerically); undefined when there are none. */
export function lowestKongVersion(versions: Iterable<string>): string | undefined {
  let lowest: string | undefined;
  for (const version of versions)
    if (lowest === undefined || compareVersions(version, lowest) < 0) lowest = version;
  return lowest;
}
