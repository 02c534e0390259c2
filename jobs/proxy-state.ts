import type { ProxyEndpoint, ProxyState, ProxyStatus } from '../domain/proxy.ts';
import type { ConditionInput } from '../k8s/conditions.ts';

export interface ProxyView {
  readonly state: ProxyState;
  readonly conditions: readonly ConditionInput[];
}

/**
 * What a proxy's ProxyInstance says, from what the controller recorded. Freshness first: a proxy not
 * heard from within `staleAfterMs` is Unreachable whatever it reported last, so a dead proxy never
 * looks healthy; and Synced needs a hash read within the same window (a proxy that restarted and
 * lost its config still answers, with another hash): an older read says Unknown. Pure.
 */
export function viewOfProxy(
  status: ProxyStatus,
  desiredHash: string | undefined,
  now: number,
  staleAfterMs: number,
): ProxyView {
  const lastSeen = status.lastSeenAt ? Date.parse(status.lastSeenAt) : undefined;
  const stale = lastSeen === undefined || now - lastSeen > staleAfterMs;
  const hashReadAt = status.actualHashAt ? Date.parse(status.actualHashAt) : undefined;
  const hashFresh = hashReadAt !== undefined && now - hashReadAt <= staleAfterMs;
  const lastRead = desiredHash !== undefined && status.actualHash === desiredHash;
  const synced = lastRead && hashFresh;
  let state: ProxyState;
  if (status.state === 'Incompatible') state = 'Incompatible';
  else if (stale) state = lastSeen === undefined && !status.actualHash ? 'NeverSynced' : 'Unreachable';
  else if (synced) state = 'Synced';
  else if (lastRead) state = 'Unknown';
  else if (status.state === 'Rejected' && status.rejectedHash === desiredHash) state = 'Rejected';
  // Not sent its build on purpose (not made for its Kong version): the push job waits for one that is.
  else if (status.awaitingBuild) state = 'Pending';
  else if (!status.lastPushAt) state = 'NeverSynced';
  else state = 'Pending';

  const ready: ConditionInput =
    state === 'Incompatible'
      ? {
          type: 'Ready',
          status: 'False',
          reason: 'Incompatible',
          message: status.lastError ?? 'unsupported Kong version',
        }
      : stale
        ? {
            type: 'Ready',
            status: 'False',
            reason: 'Unreachable',
            message:
              lastSeen === undefined
                ? 'the proxy has not answered yet'
                : `no answer since ${status.lastSeenAt}`,
          }
        : // No timestamp here: status.lastSeenTime carries it, and a message that changed on every drift
          // check would rewrite every ProxyInstance on every check (issue 19: API writes independent of size).
          {
            type: 'Ready',
            status: 'True',
            reason: 'Reachable',
            message: `answered within the last ${Math.round(staleAfterMs / 1000)} s`,
          };
  const syncedCondition: ConditionInput = synced
    ? { type: 'Synced', status: 'True', reason: 'Synced', message: `runs ${desiredHash}` }
    : desiredHash === undefined
      ? {
          type: 'Synced',
          status: 'Unknown',
          reason: 'NoBuild',
          message: 'no configuration has been built yet',
        }
      : lastRead
        ? {
            type: 'Synced',
            status: 'Unknown',
            reason: 'HashNotFresh',
            message: `ran ${desiredHash} when last read, at ${status.actualHashAt ?? 'an unknown time'}`,
          }
        : status.awaitingBuild && state === 'Pending'
          ? {
              type: 'Synced',
              status: 'False',
              reason: 'AwaitingBuild',
              message: `runs ${status.actualHash ?? 'nothing known'}, desired ${desiredHash}: ${status.awaitingBuild}`,
            }
          : {
              type: 'Synced',
              status: 'False',
              reason: state,
              message: `runs ${status.actualHash ?? 'nothing known'}, desired ${desiredHash}${status.lastError ? `: ${status.lastError}` : ''}`,
            };
  return { state, conditions: [ready, syncedCondition] };
}

/** `host:port` of the Admin API. */
export function addressOf(proxy: ProxyEndpoint): string {
  return new URL(proxy.adminUrl).host;
}
