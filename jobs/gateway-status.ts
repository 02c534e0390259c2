import { z } from 'zod';
import { objectKey } from '../domain/object-ref.ts';
import type { GatewayAddress } from '../k8s/gateway-status-patches.ts';
import { gatewayStatusPatches } from '../k8s/gateway-status-patches.ts';
import type { LoadBalancerAddress } from '../k8s/ingress-status.ts';
import { judgeGatewayAPI } from '../kong/translate/index.ts';
import { defineJob } from '../queue/define-job.ts';
import type { PipelineDeps } from './ports.ts';
import { requestPropagationStatus } from './propagation-status.ts';

const GATEWAY_GROUP = 'gateway.networking.k8s.io';

export const GatewayStatusPayload = z.strictObject({});
export type GatewayStatusPayload = z.infer<typeof GatewayStatusPayload>;

/**
 * Writes the status of the Gateway API objects we own: what the translator's attachment rules decided
 * (GatewayClass, Gateway and listener conditions, route parents with the spec's reasons), the published
 * addresses on Gateways, and `Programmed` once there is one. Runs after each build and every minute (the
 * publish Service's address can change without any object changing); coalesced, and an object whose
 * status is already right is not written.
 */
export const gatewayStatus = defineJob<GatewayStatusPayload, PipelineDeps>({
  name: 'gateway-status',
  role: 'drift',
  payload: GatewayStatusPayload,
  coalesce: { key: () => 'gateway-status', delayMs: 500 },
  schedule: { every: 60_000 },
  schedulePayload: {},
  attempts: 5,
  backoff: { baseMs: 500, capMs: 30_000, jitter: 0.3 },
  run: async (_payload, { deps, log }) => {
    const writer = deps.gatewayStatus;
    if (!writer) return { skipped: 'no Gateway status writer' };
    if (!(await deps.objects.syncedToken())) return { skipped: 'not every informer has listed yet' };
    await deps.snapshot.refresh(deps.objects);
    const objects = [...deps.snapshot.objects()].map(([, object]) => object);
    const verdicts = judgeGatewayAPI(objects, deps.translateSettings);
    const addresses = deps.ingressStatus ? gatewayAddresses(await deps.ingressStatus.publishAddresses()) : [];
    const patches = gatewayStatusPatches(
      verdicts,
      await writer.list(),
      addresses,
      deps.translateSettings.gatewayControllerNames,
      new Date(),
    );
    for (const patch of patches) await writer.write(patch);
    // A route parent written anew has no `Programmed` yet: the propagation round adds it.
    const routes = patches.filter((p) => p.kind.endsWith('Route'));
    if (routes.length > 0 && deps.propagation) {
      await deps.propagation.store.forgetObjects(
        routes.map((p) =>
          objectKey({ kind: p.kind, group: GATEWAY_GROUP, namespace: p.namespace, name: p.name }),
        ),
      );
      await requestPropagationStatus(deps);
    }
    if (patches.length > 0)
      log.info(
        {
          written: patches.length,
          objects: patches.map((p) => `${p.kind}/${p.namespace}/${p.name}`).slice(0, 20),
        },
        'gateway status updated',
      );
    return {
      gateways: verdicts.gateways.length,
      routes: verdicts.routes.length,
      written: patches.length,
    };
  },
});

/** The publish addresses as Gateway `status.addresses` spells them. */
export function gatewayAddresses(addresses: readonly LoadBalancerAddress[]): GatewayAddress[] {
  return addresses.flatMap((a): GatewayAddress[] =>
    a.ip ? [{ type: 'IPAddress', value: a.ip }] : a.hostname ? [{ type: 'Hostname', value: a.hostname }] : [],
  );
}
