/** A fleet's proxies each get their own data-plane listeners. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type SimulatedFleet, startSimulatedFleet } from '../../src/simulator/index.ts';
import { send } from './harness.ts';

let fleet: SimulatedFleet;
beforeAll(async () => {
  fleet = await startSimulatedFleet({
    count: 3,
    loadDurationMs: 0,
    dataPlane: { httpPort: 0, statusPort: 0 },
  });
});
afterAll(() => fleet.stop());

it('starts distinct proxy and status listeners per proxy, and one more with add()', async () => {
  await fleet.add();
  const urls = fleet.proxies.flatMap((p) => [p.proxyUrl, p.statusUrl]);
  expect(urls.every((u) => typeof u === 'string')).toBe(true);
  expect(new Set(urls).size).toBe(8);
  for (const proxy of fleet.proxies) expect((await send(proxy.proxyUrl!, '/')).status).toBe(404);
});

it('refuses a body over the 10 MiB limit with 413 and keeps serving', async () => {
  const proxy = fleet.proxies[0]!;
  const res = await send(proxy.proxyUrl!, '/', { method: 'POST', body: 'x'.repeat(10 * 1024 * 1024 + 1) });
  expect(res.status).toBe(413);
  expect(await res.json()).toEqual({ message: 'Request size limit exceeded' });
  expect((await send(proxy.proxyUrl!, '/')).status).toBe(404);
});
