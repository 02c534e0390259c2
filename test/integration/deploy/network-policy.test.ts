import type { V1PodSpec } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { freshNamespace, kubectl } from '../../helpers/kube.ts';
import { DEPLOY_DIR, find, type Manifest, render } from './overlay.ts';
import { container, podSpec } from './pod-template.ts';

interface Selector {
  readonly matchLabels?: Record<string, string>;
}
interface Peer {
  readonly podSelector?: Selector;
  readonly namespaceSelector?: Selector;
  readonly ipBlock?: { readonly cidr: string };
}
interface Rule {
  readonly ports?: readonly { readonly port: number | string; readonly protocol: string }[];
  readonly from?: readonly Peer[];
  readonly to?: readonly Peer[];
}
/** A NetworkPolicy as the manifest spells it (client-node's types rename `from`). */
interface NetworkPolicy {
  readonly metadata?: { readonly namespace?: string };
  readonly spec?: {
    readonly podSelector?: Selector;
    readonly policyTypes?: readonly string[];
    readonly ingress?: readonly Rule[];
    readonly egress?: readonly Rule[];
  };
}

const podLabels = (deployment: Manifest) =>
  (deployment as unknown as { spec: { template: { metadata: { labels: Record<string, string> } } } }).spec
    .template.metadata.labels;

const containerPort = (spec: V1PodSpec, name: string, port: string) =>
  container(spec, name).ports?.find((p) => p.name === port)?.containerPort;

/** Whether `selector` (matchLabels only, as deploy writes them) selects pods with `labels`. */
const selects = (
  selector: { matchLabels?: Record<string, string> } | undefined,
  labels: Record<string, string>,
) => Object.entries(selector?.matchLabels ?? {}).every(([key, value]) => labels[key] === value);

describe("deploy's NetworkPolicy for the controller pods", () => {
  it('admits exactly the controller ports and reaches only the apiserver, Redis, the proxies and DNS', async () => {
    const rendered = await render(DEPLOY_DIR);
    const policy = find(rendered, 'NetworkPolicy', 'kong-fleet-controller') as unknown as NetworkPolicy;
    const controller = find(rendered, 'Deployment', 'kong-fleet');
    const redis = find(rendered, 'Deployment', 'redis');
    const kong = find(rendered, 'Deployment', 'kong');
    const spec = policy.spec!;

    expect(selects(spec.podSelector, podLabels(controller))).toBe(true);
    expect(selects(spec.podSelector, podLabels(redis))).toBe(false);
    expect(spec.policyTypes).toEqual(['Ingress', 'Egress']);

    // Ingress: the HTTP port from the monitoring namespace only; the webhook port from
    // the apiserver's addresses. Every rule names its sources and its ports.
    const [http, webhook, ...otherIngress] = spec.ingress ?? [];
    expect(otherIngress).toEqual([]);
    expect(http!.ports).toEqual([
      { port: containerPort(podSpec(controller), 'controller', 'http'), protocol: 'TCP' },
    ]);
    expect(http!.from).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } },
    ]);
    expect(webhook!.ports).toEqual([{ port: 8443, protocol: 'TCP' }]);
    expect(webhook!.from?.every((peer) => peer.ipBlock && !peer.podSelector && !peer.namespaceSelector)).toBe(
      true,
    );

    // Egress: every rule limits ports; Redis and the proxies by their pods' labels and ports.
    const egress = spec.egress ?? [];
    expect(egress.every((rule) => (rule.ports ?? []).length > 0)).toBe(true);
    const ports = egress.flatMap((rule) => (rule.ports ?? []).map((p) => `${p.port}/${p.protocol}`)).sort();
    expect(ports).toEqual(['443/TCP', '53/TCP', '53/UDP', '6379/TCP', '6443/TCP', '8444/TCP']);
    const ruleFor = (port: number) => egress.find((rule) => rule.ports?.some((p) => p.port === port))!;
    expect(ruleFor(6379).ports).toEqual([
      { port: containerPort(podSpec(redis), 'redis', 'redis'), protocol: 'TCP' },
    ]);
    expect(ruleFor(6379).to?.every((peer) => selects(peer.podSelector, podLabels(redis)))).toBe(true);
    expect(ruleFor(8444).ports).toEqual([
      { port: containerPort(podSpec(kong), 'proxy', 'admin-tls'), protocol: 'TCP' },
    ]);
    expect(ruleFor(8444).to?.every((peer) => selects(peer.podSelector, podLabels(kong)))).toBe(true);
    expect(ruleFor(53).to).toEqual([
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
        podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
      },
    ]);
  });

  it('is accepted by the real apiserver as written (server-side dry run)', async () => {
    const rendered = await render(DEPLOY_DIR);
    const policy = find(rendered, 'NetworkPolicy', 'kong-fleet-controller');
    const namespace = await freshNamespace('netpol');
    const manifest = JSON.stringify({ ...policy, metadata: { ...policy.metadata, namespace } });
    const answered = JSON.parse(
      await kubectl(['apply', '--dry-run=server', '-o', 'json', '-f', '-'], { input: manifest }),
    ) as NetworkPolicy;
    expect(answered.metadata?.namespace).toBe(namespace);
    expect(answered.spec).toEqual((policy as unknown as NetworkPolicy).spec);
  });
});
