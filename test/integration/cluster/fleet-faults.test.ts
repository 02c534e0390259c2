import { EMPTY_CONFIG_HASH } from '@kong-fleet/kong-dbless';
import { describe, expect, it } from 'vitest';
import type { FleetProxy } from '../../../testing/proxy-fleet.ts';
import { pipelineHarness } from '../../helpers/pipeline-harness.ts';

// The simulator's fault API reaches every proxy of the fleet: through the pod host for proxy pods (the
// run's default), directly for the static fallback. No controller: the test is the Admin API client.
describe("the fleet's proxies take the simulator's faults", () => {
  const h = pipelineHarness('fleet-faults', 2);
  const target = (proxy: FleetProxy) => ({ adminUrl: proxy.adminUrl, serverName: h.serverName });
  const status = (proxy: FleetProxy) => h.client.readStatus(target(proxy), { floorMs: 5000 });

  it('answers with a chosen status, drops connections and delays answers, on the impaired proxy only', async () => {
    const [impaired, healthy] = h.proxies() as [FleetProxy, FleetProxy];
    expect(await status(impaired)).toMatchObject({ kind: 'ok' });

    await impaired.impair({ failNext: { count: 1, status: 503 } });
    expect(await status(healthy)).toMatchObject({ kind: 'ok' });
    expect(await status(impaired)).toMatchObject({ kind: 'failed', cause: 'http', status: 503 });
    expect(await status(impaired)).toMatchObject({ kind: 'ok' });

    await impaired.impair({ dropNext: 1 });
    expect(await status(impaired)).toMatchObject({ kind: 'failed', cause: 'network' });
    expect(await status(impaired)).toMatchObject({ kind: 'ok' });

    await impaired.impair({ latencyMs: 400 });
    const started = performance.now();
    expect(await status(impaired)).toMatchObject({ kind: 'ok' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(400);
    await impaired.impair({ latencyMs: 0 });

    await impaired.impair({ version: '3.3.0' });
    const info = await h.client.readInfo(target(impaired));
    expect(info.kind === 'ok' && info.value.version).toBe('3.3.0');
    const other = await h.client.readInfo(target(healthy));
    expect(other.kind === 'ok' && other.value.version).not.toBe('3.3.0');
  });

  it('goes down and comes back up, and forgets its configuration on restart', async () => {
    const [proxy] = h.proxies() as [FleetProxy];
    await proxy.faults.down();
    expect(await status(proxy)).toMatchObject({ kind: 'failed', cause: 'network' });
    expect((await proxy.state()).up).toBe(false);
    await proxy.faults.up();
    expect(await status(proxy)).toMatchObject({ kind: 'ok' });
    const config = JSON.stringify({
      _format_version: '3.0',
      services: [{ name: 'faults', url: 'http://10.0.0.1:8080' }],
    });
    const pushed = await h.client.pushConfig(target(proxy), config);
    expect(pushed).toMatchObject({ kind: 'accepted' });
    const loaded = (await proxy.state()).configurationHash;
    expect(loaded).not.toBe(EMPTY_CONFIG_HASH);
    await proxy.faults.restart();
    expect(await proxy.state()).toMatchObject({ up: true, configurationHash: EMPTY_CONFIG_HASH });
  });
});
