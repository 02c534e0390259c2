import { validateDeclarativeConfig } from '@kong-fleet/kong-dbless';
import { exportConfig } from '@kong-fleet/kong-dbless/simulator';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  diffConfigs,
  firstDifferences,
  fromExport,
  fromFlattenedEntities,
  summarizeDiff,
} from '../../kong/config-diff.ts';

/** The validator's processed entities, as the controller builds the desired side. */
function desiredSide(config: unknown) {
  let n = 0;
  const result = validateDeclarativeConfig(config, {
    now: () => 0,
    randomUuid: () => `00000000-0000-4000-8000-${(++n).toString(16).padStart(12, '0')}`,
  });
  if (!result.ok) throw new Error(result.error.message);
  return result.entities;
}

/** What a proxy holding `config` answers to GET /config (the simulator's export, built like Kong's). */
function proxySide(config: unknown) {
  let n = 100;
  const result = validateDeclarativeConfig(config, {
    now: () => 1_700_000_000,
    randomUuid: () => `00000000-0000-4000-8000-${(++n).toString(16).padStart(12, '0')}`,
  });
  if (!result.ok) throw new Error(result.error.message);
  return fromExport(parse(exportConfig(result.entities)));
}

const base = {
  _format_version: '3.0',
  services: [
    {
      name: 'echo',
      host: 'echo.default.svc',
      port: 80,
      routes: [{ name: 'echo-route', paths: ['/a', '/b'], methods: ['GET', 'POST'] }],
      plugins: [{ name: 'rate-limiting', config: { minute: 60, policy: 'local' } }],
    },
  ],
  consumers: [{ username: 'alice', keyauth_credentials: [{ key: 'alice-key' }] }],
};

describe('diffConfigs', () => {
  it('finds no difference between a build and a proxy running it, despite ids, timestamps and order', () => {
    const reordered = structuredClone(base);
    reordered.services[0]!.routes[0]!.paths.reverse();
    reordered.services[0]!.routes[0]!.methods.reverse();
    const diff = diffConfigs(fromFlattenedEntities(desiredSide(base)), proxySide(reordered));
    expect(summarizeDiff(diff)).toEqual({ added: 0, changed: 0, removed: 0 });
  });

  it('names what is missing, extra and different, entity by entity, and redacts secrets', () => {
    const drifted = structuredClone(base) as typeof base & { services: Record<string, unknown>[] };
    drifted.services[0]!.routes = [];
    (drifted.services[0]!.plugins as { config: { minute: number } }[])[0]!.config.minute = 5;
    drifted.services.push({ name: 'intruder', host: 'evil.example', port: 80 });
    drifted.consumers[0]!.keyauth_credentials[0]!.key = 'stolen';
    const diff = diffConfigs(fromFlattenedEntities(desiredSide(base)), proxySide(drifted));
    expect(diff.removed).toEqual(
      expect.arrayContaining([
        { collection: 'routes', key: 'echo-route' },
        { collection: 'keyauth_credentials', key: expect.stringContaining('consumer:alice') },
      ]),
    );
    expect(diff.added).toEqual(
      expect.arrayContaining([
        { collection: 'services', key: 'intruder' },
        { collection: 'keyauth_credentials', key: expect.stringContaining('consumer:alice') },
      ]),
    );
    const plugin = diff.changed.find((change) => change.collection === 'plugins');
    expect(plugin?.key).toBe('rate-limiting@service:echo');
    expect(plugin?.fields).toEqual([
      expect.objectContaining({
        field: 'config',
        desired: expect.objectContaining({ minute: 60 }),
        actual: expect.objectContaining({ minute: 5 }),
      }),
    ]);
    expect(JSON.stringify(diff)).not.toMatch(/alice-key|stolen/);
  });

  it('treats a proxy that lost its config as missing everything', () => {
    const diff = diffConfigs(
      fromFlattenedEntities(desiredSide(base)),
      fromExport({ _format_version: '3.0' }),
    );
    expect(summarizeDiff(diff)).toEqual({ added: 0, changed: 0, removed: 5 });
  });

  it('compares ids when asked (shadow mode), except those the local validation made up', () => {
    const withIds = structuredClone(base) as typeof base & { services: Record<string, unknown>[] };
    withIds.services[0]!.id = 'fe1e2edc-5479-52fe-b0f4-b90d8d5f83ba';
    const moved = structuredClone(withIds);
    moved.services[0]!.id = 'ab6b1505-ec86-5b04-9d39-a95a711564cc';
    const generated = (id: string) => id.startsWith('00000000-0000-4000-8000-');
    const desired = fromFlattenedEntities(desiredSide(withIds));

    expect(summarizeDiff(diffConfigs(desired, proxySide(moved)))).toEqual({
      added: 0,
      changed: 0,
      removed: 0,
    });
    const strict = diffConfigs(desired, proxySide(moved), { compareIds: { generated } });
    // The plugin's id is derived from its service's, so it moves too.
    expect(strict.changed.map((change) => `${change.collection} ${change.key}`)).toEqual([
      'plugins rate-limiting@service:echo',
      'services echo',
    ]);
    expect(strict.changed[1]!.fields).toEqual([
      {
        field: 'id',
        desired: 'fe1e2edc-5479-52fe-b0f4-b90d8d5f83ba',
        actual: 'ab6b1505-ec86-5b04-9d39-a95a711564cc',
      },
    ]);
    expect(firstDifferences(strict, 1)).toEqual(['~ plugins rate-limiting@service:echo (id)']);
    // The proxy's random ids for entities without one in the config are not differences.
    expect(summarizeDiff(diffConfigs(desired, proxySide(withIds), { compareIds: { generated } }))).toEqual({
      added: 0,
      changed: 0,
      removed: 0,
    });
  });
});
