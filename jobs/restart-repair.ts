import type { ProxyEndpoint } from '../domain/proxy.ts';
import { involvedObjectOf } from '../k8s/involved-object.ts';
import type { PipelineDeps } from './ports.ts';
import { pushConfig } from './push.ts';

export type RestartRepair = 're-pushed' | 'not-repaired-rejected' | 'reported';

/**
 * A proxy that lost its config (it restarted: it answers with the empty hash, or its counters went
 * back) gets the desired build pushed now. A restart is not a failed push: the drift check's repair
 * pause is cleared rather than grown, and a push job waiting out a retry delay (backed off while the
 * proxy was away) runs at once. A build this proxy rejected is never sent again, and outside enforce
 * mode the loss is only reported, as the drift check does.
 */
export async function repairLostConfig(
  deps: Pick<PipelineDeps, 'registry' | 'producer' | 'fleet' | 'events'>,
  proxy: ProxyEndpoint,
  observed: { readonly hash: string; readonly why: string },
  desiredHash: string,
  /** `event: false` when the caller records its own Event (the drift check does). */
  options: { readonly event?: boolean } = {},
): Promise<RestartRepair> {
  const [status, mode] = await Promise.all([deps.registry.status(proxy.id), deps.fleet.repairMode()]);
  const action: RestartRepair =
    status.rejectedHash === desiredHash
      ? 'not-repaired-rejected'
      : mode === 'enforce'
        ? 're-pushed'
        : 'reported';
  // Only the pause: the hash and state are the push's to write (a write from this observation could
  // land after a push that already restored the proxy, and show it Pending again).
  await deps.registry.updateStatus(proxy.id, { repairAttempts: null, nextRepairAt: null });
  if (action === 're-pushed') await deps.producer.expedite(pushConfig, { proxy: proxy.id });
  if (options.event === false) return action;
  await deps.events.record(
    involvedObjectOf(deps.fleet.instanceRef(proxy.id)),
    'Warning',
    'ProxyDrifted',
    `proxy ${proxy.id} runs ${observed.hash} instead of ${desiredHash} (${observed.why}); action: ${action}`,
  );
  return action;
}
