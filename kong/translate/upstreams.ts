import type { KongTargetEntity, KongUpstreamEntity } from '../declarative.ts';
import { drainingTargetsFor, type ServicePort, servicePorts, targetsFor } from './endpoints.ts';
import type { ErrorCollector } from './errors.ts';
import { type K8sObject, nameOf, namespaceOf, specOf, str } from './k8s-object.ts';
import type { PortDef, ServiceMap } from './model.ts';
import { facadeOf } from './service-backends.ts';
import type { Snapshot } from './snapshot.ts';

/**
 * KIC's `getUpstreams`: one upstream per Kong service host, targets from the backends' endpoints (weights split
 * across a backend's targets), and the Kong service port set to the resolved Service port of the last backend.
 */
export function buildUpstreams(
  snapshot: Snapshot,
  services: ServiceMap,
  skip: ReadonlySet<string>,
  errors: ErrorCollector,
): Map<string, KongUpstreamEntity> {
  const upstreams = new Map<string, KongUpstreamEntity>();
  for (const [name, service] of services) {
    if (skip.has(name)) continue;
    const upstreamName = service.entity.host;
    if (upstreams.has(upstreamName)) continue;
    const targets = new Map<string, KongTargetEntity>();
    for (let i = 0; i < service.backends.length; i++) {
      const backend = service.backends[i]!;
      const svc = service.k8sServices.find(
        (s) =>
          namespaceOf(s) === backend.namespace &&
          (backend.kind === 'Service'
            ? nameOf(s) === backend.name
            : nameOf(facadeOf(s) ?? {}) === backend.name),
      );
      if (!svc) continue; // already reported by resolveServiceBackends
      const port = findPort(svc, backend.port);
      if (typeof port === 'string') {
        errors.warn(svc, `can't find port for backend of Kong service ${name}: ${port}`);
        errors.warn(service.parent, `can't find port for backend Service ${backend.name}: ${port}`);
        continue;
      }
      service.entity.port = port.port;
      const found = targetsFor(snapshot, svc, port, (slice, address) =>
        errors.warn(slice, `endpoint address "${address}" is not an IP address or host name; skipped`),
      );
      let weight: number | undefined;
      if (backend.weight !== undefined && found.length > 0) {
        weight = backend.weight === 0 ? 0 : Math.max(1, Math.trunc(backend.weight / found.length));
      }
      for (const target of found) {
        const existing = targets.get(target);
        if (!existing) {
          targets.set(target, weight === undefined ? { target } : { target, weight });
        } else if (weight !== undefined) {
          // The same endpoint behind two weighted backends gets the sum of both shares.
          existing.weight = (existing.weight ?? 0) + weight;
        }
      }
      if (snapshot.settings.enableDrainSupport) {
        // Weight 0: no new requests, but Kong keeps the target so its open connections can finish.
        for (const target of drainingTargetsFor(snapshot, svc, port)) {
          if (!targets.has(target)) targets.set(target, { target, weight: 0 });
        }
      }
    }
    const upstream: KongUpstreamEntity = { name: upstreamName, ...service.upstream };
    if (service.entity.tags) upstream.tags = [...service.entity.tags];
    if (targets.size > 0) upstream.targets = [...targets.values()];
    upstreams.set(upstreamName, upstream);
  }
  return upstreams;
}

/** KIC's `findPort`; returns the reason as a string when no port fits. */
export function findPort(svc: K8sObject, want: PortDef): ServicePort | string {
  const spec = specOf(svc);
  const external = str(spec.type) === 'ExternalName';
  const ports = servicePorts(svc);
  switch (want.mode) {
    case 'number':
      if (external) return { name: '', port: want.number, protocol: 'TCP', targetPort: String(want.number) };
      return ports.find((p) => p.port === want.number) ?? `no port ${want.number} in Service ${nameOf(svc)}`;
    case 'name':
      if (external) return 'rules with an ExternalName service must specify numeric ports';
      return (
        ports.find((p) => p.name === want.name || p.targetPort === want.name) ??
        `no port named "${want.name}" in Service ${nameOf(svc)}`
      );
    case 'implicit':
      if (external) return 'rules with an ExternalName service must specify numeric ports';
      if (ports.length !== 1)
        return `in implicit mode, service must have exactly 1 port, has ${ports.length}`;
      return ports[0]!;
  }
}
