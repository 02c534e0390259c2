import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { gatewayStatusPatches, type LiveGatewayObject } from '../../../k8s/gateway-status-patches.ts';
import { judgeGatewayAPI, SUPPORTED_FEATURES } from '../../../kong/translate/index.ts';

const GW = 'gateway.networking.k8s.io/v1';
const KIC = 'konghq.com/kic-gateway-controller';
const OURS = [KIC, 'kongfleet.io/gateway-controller'];
const objects = [
  {
    apiVersion: GW,
    kind: 'GatewayClass',
    metadata: { name: 'kong', generation: 1 },
    spec: { controllerName: KIC },
  },
  {
    apiVersion: GW,
    kind: 'Gateway',
    metadata: { name: 'kong', namespace: 'demo', generation: 2 },
    spec: { gatewayClassName: 'kong', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
  },
  {
    apiVersion: GW,
    kind: 'HTTPRoute',
    metadata: { name: 'r', namespace: 'demo', generation: 4 },
    spec: {
      parentRefs: [{ name: 'kong' }],
      rules: [{ backendRefs: [{ kind: 'Service', name: 'svc', port: 80 }] }],
    },
  },
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'svc', namespace: 'demo' },
    spec: { ports: [{ port: 80 }] },
  },
];
const live = (status: Record<string, Record<string, unknown> | undefined> = {}): LiveGatewayObject[] => [
  { kind: 'GatewayClass', namespace: '', name: 'kong', resourceVersion: '1', status: status.GatewayClass },
  { kind: 'Gateway', namespace: 'demo', name: 'kong', resourceVersion: '2', status: status.Gateway },
  { kind: 'HTTPRoute', namespace: 'demo', name: 'r', resourceVersion: '3', status: status.HTTPRoute },
];
const addresses = [{ type: 'IPAddress' as const, value: '10.96.0.10' }];
const verdicts = judgeGatewayAPI(objects);
const t0 = new Date('2026-12-01T10:00:00Z');

describe('gatewayStatusPatches', () => {
  it('writes every owned object once, then nothing while nothing changes (times kept)', () => {
    const first = gatewayStatusPatches(verdicts, live(), addresses, OURS, t0);
    expect(first.map((p) => `${p.kind}:${p.resourceVersion}`)).toEqual([
      'GatewayClass:1',
      'Gateway:2',
      'HTTPRoute:3',
    ]);
    const gateway = first[1]!.status as {
      addresses: unknown;
      conditions: { type: string; status: string }[];
    };
    expect(gateway.addresses).toEqual(addresses);
    expect(gateway.conditions.map((c) => [c.type, c.status])).toEqual([
      ['Accepted', 'True'],
      ['Programmed', 'True'],
    ]);
    const applied = Object.fromEntries(first.map((p) => [p.kind, JSON.parse(JSON.stringify(p.status))]));
    const later = new Date('2026-12-01T11:00:00Z');
    expect(gatewayStatusPatches(verdicts, live(applied), addresses, OURS, later)).toEqual([]);
  });

  it('Programmed is False (AddressNotAssigned) without a published address', () => {
    const [, gateway] = gatewayStatusPatches(verdicts, live(), [], OURS, t0);
    expect(
      (gateway!.status.conditions as { type: string }[]).find((c) => c.type === 'Programmed'),
    ).toMatchObject({
      status: 'False',
      reason: 'AddressNotAssigned',
      observedGeneration: 2,
    });
  });

  it("keeps other controllers' route parents and drops ours where no verdict applies any more", () => {
    const theirs = {
      parentRef: { name: 'mesh', kind: 'Service', group: '' },
      controllerName: 'example.com/mesh',
      conditions: [],
    };
    const stale = { parentRef: { name: 'old', namespace: 'demo' }, controllerName: KIC, conditions: [] };
    const patches = gatewayStatusPatches(
      verdicts,
      live({ HTTPRoute: { parents: [theirs, stale] } }),
      addresses,
      OURS,
      t0,
    );
    const parents = patches.find((p) => p.kind === 'HTTPRoute')!.status.parents as {
      controllerName: string;
    }[];
    expect(parents.map((p) => p.controllerName)).toEqual(['example.com/mesh', KIC]);
    expect(parents[1]).toMatchObject({ parentRef: { name: 'kong', namespace: 'demo', kind: 'Gateway' } });

    const orphan: LiveGatewayObject = {
      kind: 'HTTPRoute',
      namespace: 'demo',
      name: 'gone',
      resourceVersion: '9',
      status: { parents: [theirs, stale] },
    };
    const cleaned = gatewayStatusPatches(verdicts, [...live(), orphan], addresses, OURS, t0);
    expect(cleaned.find((p) => p.name === 'gone')?.status).toEqual({ parents: [theirs] });
  });

  it('a condition keeps its lastTransitionTime while its status holds and gets a new one when it flips', () => {
    const [, gateway] = gatewayStatusPatches(verdicts, live(), [], OURS, t0);
    const noAddress = JSON.parse(JSON.stringify(gateway!.status));
    const later = new Date('2026-12-01T12:00:00Z');
    const [next] = gatewayStatusPatches(
      verdicts,
      live({ Gateway: noAddress }),
      addresses,
      OURS,
      later,
    ).filter((p) => p.kind === 'Gateway');
    const times = Object.fromEntries(
      (next!.status.conditions as { type: string; lastTransitionTime: string }[]).map((c) => [
        c.type,
        c.lastTransitionTime,
      ]),
    );
    expect(times).toEqual({ Accepted: t0.toISOString(), Programmed: later.toISOString() });
  });
});

describe('gatewayStatusPatches: BackendTLSPolicy', () => {
  const policy = {
    apiVersion: GW,
    kind: 'BackendTLSPolicy',
    metadata: { name: 'tls', namespace: 'demo', generation: 7 },
    spec: {
      targetRefs: [{ group: '', kind: 'Service', name: 'svc' }],
      validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'missing' }], hostname: 'b' },
    },
  };
  const other = {
    ancestorRef: { name: 'x', namespace: 'demo' },
    controllerName: 'example.com/other',
    conditions: [],
  };
  const withPolicy = (status?: Record<string, unknown>): LiveGatewayObject[] => [
    ...live(),
    { kind: 'BackendTLSPolicy', namespace: 'demo', name: 'tls', resourceVersion: '9', status },
  ];

  it("writes status.ancestors for our Gateway with observedGeneration, keeps others' entries, then nothing", () => {
    const v = judgeGatewayAPI([...objects, policy]);
    const patches = gatewayStatusPatches(v, withPolicy({ ancestors: [other] }), addresses, OURS, t0);
    const written = patches.find((p) => p.kind === 'BackendTLSPolicy');
    expect(written?.resourceVersion).toBe('9');
    const ancestors = written?.status.ancestors as Record<string, unknown>[];
    expect(ancestors[0]).toEqual(other);
    expect(ancestors[1]).toMatchObject({
      ancestorRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'demo', name: 'kong' },
      controllerName: KIC,
      conditions: [
        { type: 'Accepted', status: 'False', reason: 'NoValidCACertificate', observedGeneration: 7 },
        { type: 'ResolvedRefs', status: 'False', reason: 'InvalidCACertificateRef', observedGeneration: 7 },
      ],
    });
    const again = gatewayStatusPatches(
      v,
      withPolicy(JSON.parse(JSON.stringify(written?.status))),
      addresses,
      OURS,
      new Date('2026-12-01T12:00:00Z'),
    );
    expect(again.filter((p) => p.kind === 'BackendTLSPolicy')).toEqual([]);
  });

  it('drops our ancestors when the policy no longer reaches our Gateways', () => {
    const ours = { ancestorRef: { name: 'kong', namespace: 'demo' }, controllerName: KIC, conditions: [] };
    const patches = gatewayStatusPatches(
      verdicts,
      withPolicy({ ancestors: [other, ours] }),
      addresses,
      OURS,
      t0,
    );
    expect(patches.find((p) => p.kind === 'BackendTLSPolicy')?.status).toEqual({ ancestors: [other] });
  });
});

describe('gatewayStatusPatches: GatewayClass supportedFeatures', () => {
  it('an Accepted class gets status.supportedFeatures sorted, the list the conformance run uses', () => {
    const patches = gatewayStatusPatches(verdicts, live(), addresses, OURS, t0);
    const features = (patches[0]!.status.supportedFeatures as { name: string }[]).map((f) => f.name);
    expect(features).toEqual([...SUPPORTED_FEATURES]);
    expect(features).toEqual([...features].sort());
    const runSh = readFileSync(
      new URL('../../../scripts/gateway-conformance/run.sh', import.meta.url),
      'utf8',
    );
    const listed = /SUPPORTED_FEATURES:-([A-Za-z0-9,]+)/.exec(runSh)?.[1]?.split(',') ?? [];
    expect([...listed].sort()).toEqual([...SUPPORTED_FEATURES]);
  });
});
