import { z } from 'zod';
import { refFromTags } from '../kong/translate/index.ts';
import { defineJob } from '../queue/define-job.ts';
import type { PipelineDeps } from './ports.ts';

export const IngressStatusPayload = z.strictObject({});
export type IngressStatusPayload = z.infer<typeof IngressStatusPayload>;

/**
 * Publishes the proxies' address in `status.loadBalancer` of every Ingress (and KIC's TCPIngress/UDPIngress)
 * the desired build serves,
 * and takes it away from Ingresses it no longer serves. Runs after each new build and every minute
 * (the publish Service's address can change without any Ingress changing).
 */
export const ingressStatus = defineJob<IngressStatusPayload, PipelineDeps>({
  name: 'ingress-status',
  role: 'drift',
  payload: IngressStatusPayload,
  coalesce: { key: () => 'ingress-status', delayMs: 1000 },
  schedule: { every: 60_000 },
  schedulePayload: {},
  attempts: 5,
  backoff: { baseMs: 1000, capMs: 30_000, jitter: 0.3 },
  run: async (_payload, { deps, log }) => {
    const writer = deps.ingressStatus;
    if (!writer) return { skipped: 'no publish Service or addresses configured' };
    const desired = await deps.builds.desired();
    const text = desired ? await deps.builds.text(desired.hash) : null;
    if (!text) return { skipped: 'no build yet' };
    const served = servedIngresses(JSON.parse(text));
    const addresses = await writer.publishAddresses();
    const wanted = JSON.stringify(addresses);
    let written = 0;
    for (const ingress of await writer.list()) {
      const key = `${ingress.kind}/${ingress.namespace}/${ingress.name}`;
      const current = JSON.stringify(ingress.addresses);
      if (served.has(key) && current !== wanted) {
        await writer.write(ingress, addresses);
        written++;
      } else if (!served.has(key) && current === wanted && addresses.length > 0) {
        // Ours before (same addresses), not served any more: stop advertising the fleet for it.
        await writer.write(ingress, []);
        written++;
      }
    }
    if (written > 0) log.info({ written, addresses }, 'ingress status updated');
    return { served: served.size, written };
  },
});

/** Kinds whose routes publish the fleet's address in their status (KIC also writes TCPIngress/UDPIngress). */
const PUBLISHING_KINDS: ReadonlySet<string> = new Set(['Ingress', 'TCPIngress', 'UDPIngress']);

/** `Kind/namespace/name` of every Ingress-like object a route of the build came from (its k8s-* tags). */
export function servedIngresses(config: { services?: { routes?: { tags?: string[] }[] }[] }): Set<string> {
  const served = new Set<string>();
  for (const service of config.services ?? []) {
    for (const route of service.routes ?? []) {
      const ref = refFromTags(route.tags ?? []);
      if (ref && PUBLISHING_KINDS.has(ref.kind) && ref.namespace)
        served.add(`${ref.kind}/${ref.namespace}/${ref.name}`);
    }
  }
  return served;
}
