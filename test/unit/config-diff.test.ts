import { validateDeclarativeConfig } from '@kong-fleet/kong-dbless';
import { exportConfig } from '@kong-fleet/kong-dbless/simulator';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { diffConfigs, fromExport, fromFlattenedEntities, summarizeDiff } from '../../kong/config-diff.ts';

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
});
