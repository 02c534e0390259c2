import { describe, expect, it } from 'vitest';
import type { BuildObjects, ObjectPropagation } from '../../../domain/propagation.ts';
import { podGateOf } from '../../../jobs/pod-readiness.ts';
import { gatewayStatusPatches } from '../../../k8s/gateway-status-patches.ts';
import {
  parentsWithProgrammed,
  programmedConditions,
  propagationAnnotations,
} from '../../../k8s/propagation-status-patches.ts';
import { storedForm } from '../../../k8s/stored-object.ts';
import { watchedKinds } from '../../../k8s/watched-kinds.ts';
import { buildObjectsOf, objectVersion, propagationOf } from '../../../kong/propagation.ts';
import { buildWithFallback } from '../../../kong/translate/index.ts';
import { ingress, kongPlugin, service } from '../translate/helpers.ts';

const GOOD = 'Ingress.networking.k8s.io/default/good';
const BAD = 'Ingress.networking.k8s.io/default/bad';
const BROKEN = 'KongPlugin.configuration.konghq.com/default/broken';

describe('which served objects a build holds', () => {
  it('lists the objects its entities are tagged with, at their version, and the dropped ones with the error', () => {
    const objects = [
      ingress('good', { host: 'good.example.com' }),
      ingress('bad', { host: 'bad.example.com', annotations: { 'konghq.com/plugins': 'broken' } }),
      service('svc'),
      kongPlugin('broken', 'rate-limiting', { config: { minute: 'lots' } }),
    ];
    const result = buildWithFallback(objects);
    const built = buildObjectsOf(result.config, objects, result.errors);
    expect(Object.keys(built.served)).toEqual([GOOD]);
    expect(built.served[GOOD]).toBe(objectVersion(objects[0] as Record<string, unknown>));
    expect(Object.keys(built.dropped).sort()).toEqual([BAD, BROKEN]);
    expect(built.dropped[BROKEN]).toContain('Kong would reject plugin rate-limiting');
    // Services get no propagation status: they are not in either list.
    expect(JSON.stringify(built)).not.toContain('Service/default/svc');
  });

  it("leaves the controller's own annotations out of an object's content, so its writes trigger no build", () => {
    const kind = watchedKinds.find((k) => k.kind === 'Ingress')!;
    const object = (annotations: Record<string, string>) =>
      storedForm(
        {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'Ingress',
          metadata: { name: 'a', namespace: 'n', annotations },
        },
        kind,
      )!;
    const plain = object({ 'konghq.com/strip-path': 'true' });
    const annotated = object({
      'konghq.com/strip-path': 'true',
      'kongfleet.io/programmed': 'True',
      'kongfleet.io/propagation': 'live on 3/3 proxies at abc',
    });
    expect(objectVersion(annotated)).toBe(objectVersion(plain));
  });
});

describe('propagation verdicts', () => {
  const desired: BuildObjects = { served: { [GOOD]: 'v2' }, dropped: { [BROKEN]: 'Kong would reject it' } };
  const older: BuildObjects = { served: { [GOOD]: 'v1' }, dropped: {} };
  const sameVersion: BuildObjects = { served: { [GOOD]: 'v2' }, dropped: {} };
  const builds: Record<string, BuildObjects> = { old: older, same: sameVersion };
  const verdicts = (hashes: (string | undefined)[]) =>
    propagationOf({ hash: 'd'.repeat(32), objects: desired }, hashes, (h) => builds[h]);
  const good = (hashes: (string | undefined)[]) => verdicts(hashes).find((v) => v.key === GOOD)!;

  it('counts the proxies whose build holds the object at its version', () => {
    expect(good(['d'.repeat(32), 'd'.repeat(32), 'd'.repeat(32)])).toMatchObject({
      status: 'True',
      reason: 'Programmed',
      message: `live on 3/3 proxies at ${'d'.repeat(12)}…`,
    });
    // Another build holding the same version of the object counts; one with an older version does not.
    expect(good(['d'.repeat(32), 'same', 'old'])).toMatchObject({
      status: 'True',
      reason: 'PartiallyProgrammed',
      live: 2,
      total: 3,
    });
    expect(good(['old', undefined, 'unknown'])).toMatchObject({
      status: 'False',
      reason: 'Pending',
      live: 0,
    });
    expect(good([])).toMatchObject({
      status: 'False',
      message: `in build ${'d'.repeat(12)}…, no proxies known yet`,
    });
  });

  it('says why a dropped object is not served', () => {
    expect(verdicts(['d'.repeat(32)]).find((v) => v.key === BROKEN)).toMatchObject({
      status: 'False',
      reason: 'Invalid',
      message: `not in build ${'d'.repeat(12)}…: Kong would reject it`,
    });
  });
});

const verdict = (over: Partial<ObjectPropagation> = {}): ObjectPropagation => ({
  ref: { kind: 'HTTPRoute', group: 'gateway.networking.k8s.io', namespace: 'n', name: 'r' },
  key: 'HTTPRoute.gateway.networking.k8s.io/n/r',
  status: 'True',
  reason: 'Programmed',
  message: 'live on 3/3 proxies at abc',
  live: 3,
  total: 3,
  hash: 'abc',
  ...over,
});
const t0 = new Date('2026-01-01T00:00:00Z');
const t1 = new Date('2026-01-01T00:01:00Z');

describe('the status writes', () => {
  it('puts Programmed next to the other conditions, keeps its transition time, and skips an unchanged one', () => {
    const first = programmedConditions(
      [{ type: 'Other', status: 'True', reason: 'X', message: '', lastTransitionTime: 't' }],
      verdict(),
      4,
      t0,
    )!;
    expect(first.map((c) => c.type)).toEqual(['Other', 'Programmed']);
    expect(first[1]).toMatchObject({
      status: 'True',
      observedGeneration: 4,
      lastTransitionTime: t0.toISOString(),
    });
    expect(programmedConditions(first, verdict(), 4, t1)).toBeUndefined();
    const partial = programmedConditions(first, verdict({ message: 'live on 2/3 proxies at abc' }), 4, t1)!;
    expect(partial[1]).toMatchObject({
      message: 'live on 2/3 proxies at abc',
      lastTransitionTime: t0.toISOString(),
    });
    const dropped = programmedConditions(partial, verdict({ status: 'False', reason: 'Invalid' }), 4, t1)!;
    expect(dropped[1]).toMatchObject({ status: 'False', lastTransitionTime: t1.toISOString() });
  });

  it('writes Programmed only into our route parents, and waits while there is none', () => {
    const theirs = { controllerName: 'example.com/other', parentRef: { name: 'g' }, conditions: [] };
    const ours = {
      controllerName: 'kongfleet.io/gateway-controller',
      parentRef: { name: 'g' },
      conditions: [
        { type: 'Accepted', status: 'True', reason: 'Accepted', message: '', lastTransitionTime: 't' },
      ],
    };
    const controllers = ['kongfleet.io/gateway-controller'];
    expect(parentsWithProgrammed([theirs], controllers, verdict(), 1, t0)).toEqual({
      parents: undefined,
      ours: 0,
    });
    const { parents } = parentsWithProgrammed([theirs, ours], controllers, verdict(), 1, t0);
    expect(parents?.[0]).toBe(theirs);
    expect(((parents?.[1]?.conditions ?? []) as { type: string }[]).map((c) => c.type)).toEqual([
      'Accepted',
      'Programmed',
    ]);
    expect(parentsWithProgrammed(parents!, controllers, verdict(), 1, t1).parents).toBeUndefined();
  });

  it('annotates an Ingress, and not again when it says the same', () => {
    const wanted = propagationAnnotations({ other: 'x' }, verdict())!;
    expect(wanted).toEqual({
      'kongfleet.io/programmed': 'True',
      'kongfleet.io/propagation': 'live on 3/3 proxies at abc',
    });
    expect(propagationAnnotations({ other: 'x', ...wanted }, verdict())).toBeUndefined();
  });

  it('the Gateway status writer keeps the Programmed condition of our route parents', () => {
    const programmed = {
      type: 'Programmed',
      status: 'True',
      reason: 'Programmed',
      message: 'live on 1/1',
      lastTransitionTime: 't',
    };
    const parentRef = { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'n', name: 'g' };
    const accepted = { type: 'Accepted', status: 'True', reason: 'Accepted', message: 'ok' };
    const patches = gatewayStatusPatches(
      {
        gatewayClasses: [],
        gateways: [],
        routes: [
          {
            ref: { kind: 'HTTPRoute', namespace: 'n', name: 'r' },
            parents: [
              { parentRef, controllerName: 'kongfleet.io/gateway-controller', conditions: [accepted] },
            ],
          },
        ],
      } as never,
      [
        {
          kind: 'HTTPRoute',
          namespace: 'n',
          name: 'r',
          resourceVersion: '1',
          status: {
            parents: [
              {
                parentRef,
                controllerName: 'kongfleet.io/gateway-controller',
                conditions: [{ ...accepted, lastTransitionTime: 't' }, programmed],
              },
            ],
          },
        },
      ],
      [],
      ['kongfleet.io/gateway-controller'],
      t1,
    );
    // Nothing changed but our Programmed: no write that would drop it.
    expect(patches).toEqual([]);
  });
});

describe('the Pod readiness gate', () => {
  const desired = { hash: 'new', revision: 2, at: t0.toISOString() };
  const fresh = {
    lastSeenAt: t1.toISOString(),
    actualHashAt: t1.toISOString(),
    lastPushAt: t0.toISOString(),
  };
  const now = t1.getTime();
  it('is open on the desired build, and on an earlier known one only within the grace', () => {
    expect(
      podGateOf({ ...fresh, actualHash: 'new' }, desired, t0.getTime(), true, now, 0, 30_000),
    ).toMatchObject({
      status: 'True',
      reason: 'DesiredConfig',
      hash: 'new',
      state: 'Synced',
    });
    const behind = { ...fresh, actualHash: 'old' };
    expect(podGateOf(behind, desired, t0.getTime(), true, now, 120_000, 30_000)).toMatchObject({
      status: 'True',
      reason: 'RecentConfig',
    });
    expect(podGateOf(behind, desired, t0.getTime(), true, now, 30_000, 30_000)).toMatchObject({
      status: 'False',
      reason: 'ConfigBehind',
    });
    // A build the proxy rejected, or one we never made, is no grace.
    expect(
      podGateOf({ ...behind, rejectedHash: 'old' }, desired, t0.getTime(), true, now, 120_000, 30_000).status,
    ).toBe('False');
    expect(podGateOf(behind, desired, t0.getTime(), false, now, 120_000, 30_000)).toMatchObject({
      status: 'False',
      reason: 'NoConfig',
    });
  });

  it('is closed for a proxy that lost its config or never had one', () => {
    expect(podGateOf(fresh, desired, t0.getTime(), false, now, 120_000, 30_000)).toMatchObject({
      status: 'False',
      reason: 'NoConfig',
      hash: '',
    });
    expect(podGateOf({}, null, undefined, false, now, 0, 30_000)).toMatchObject({
      status: 'False',
      reason: 'NoConfig',
    });
  });
});
