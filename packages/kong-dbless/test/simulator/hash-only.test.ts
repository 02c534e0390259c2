import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configHash } from '../../src/config-hash.ts';
import { type SimulatedProxy, startSimulatedProxy } from '../../src/simulator/index.ts';

// A service without a host: Kong (and the validating simulator) refuse it.
const INVALID = '_format_version: "3.0"\nservices:\n- name: echo\n';
const post = (proxy: SimulatedProxy) =>
  fetch(`${proxy.adminUrl}/config`, {
    method: 'POST',
    headers: { 'Content-Type': 'text/yaml' },
    body: INVALID,
  });

let hashOnly: SimulatedProxy;
let validating: SimulatedProxy;
beforeAll(async () => {
  hashOnly = await startSimulatedProxy({ validate: false, loadDurationMs: 0 });
  validating = await startSimulatedProxy({ loadDurationMs: 0 });
});
afterAll(async () => {
  await Promise.all([hashOnly.stop(), validating.stop()]);
});

describe('a simulated proxy in hash-only mode (validate: false)', () => {
  it('accepts a config it would refuse when validating and reports the hash Kong would compute', async () => {
    expect((await post(validating)).status).toBe(400);
    expect((await post(hashOnly)).status).toBe(201);
    expect(hashOnly.state().configurationHash).toBe(configHash(INVALID));
  });

  it('hashes a text config without parsing it: even an unparsable one is taken', async () => {
    const text = '{ "_format_version": "3.0", "services": [';
    const body = JSON.stringify({ config: text });
    const send = (proxy: SimulatedProxy) =>
      fetch(`${proxy.adminUrl}/config`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body,
      });
    expect((await send(validating)).status).toBe(400);
    expect((await send(hashOnly)).status).toBe(201);
    expect(hashOnly.state().configurationHash).toBe(configHash(text));
  });
});
