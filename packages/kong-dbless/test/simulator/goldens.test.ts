import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configHash, EMPTY_CONFIG_HASH } from '../../src/config-hash.ts';
import { type SimulatedFleet, startSimulatedFleet } from '../../src/simulator/index.ts';
import { KIC_GOLDENS_PRESENT, readKicGoldens } from '../kic-goldens.ts';

const goldens = readKicGoldens();

type Form = 'json-object' | 'config-json' | 'config-form' | 'config-multipart' | 'raw-yaml';
const FORMS: Form[] = ['json-object', 'config-json', 'config-form', 'config-multipart', 'raw-yaml'];

function request(form: Form, text: string): RequestInit {
  switch (form) {
    case 'json-object':
      return { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(parse(text)) };
    case 'config-json':
      return { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ config: text }) };
    case 'config-form':
      return { body: new URLSearchParams({ config: text }) };
    case 'config-multipart': {
      const body = new FormData();
      body.set('config', new Blob([text]), 'kong.yaml');
      return { body };
    }
    case 'raw-yaml':
      return { headers: { 'Content-Type': 'application/yaml' }, body: text };
  }
}

let fleets: Record<string, SimulatedFleet>;

beforeAll(async () => {
  fleets = {
    oss: await startSimulatedFleet({ count: 1, loadDurationMs: 1 }),
    expressions: await startSimulatedFleet({ count: 1, loadDurationMs: 1, routerFlavor: 'expressions' }),
    ee: await startSimulatedFleet({ count: 1, loadDurationMs: 1, edition: 'enterprise' }),
  };
});
afterAll(async () => {
  await Promise.all(Object.values(fleets).map((f) => f.stop()));
});

describe.skipIf(!KIC_GOLDENS_PRESENT)('KIC goldens (configs real Kong accepted) in every body form', () => {
  it('found the goldens', () => expect(goldens.length).toBe(40));

  for (const golden of goldens) {
    it.each(FORMS)(`${golden.name} as %s`, async (form) => {
      const proxy =
        fleets[
          golden.edition === 'enterprise'
            ? 'ee'
            : golden.routerFlavor === 'expressions'
              ? 'expressions'
              : 'oss'
        ]!.proxies[0]!;
      const res = await fetch(`${proxy.adminUrl}/config?flatten_errors=1`, {
        method: 'POST',
        ...request(form, golden.text),
      });
      const body = await res.json();
      expect(res.status, JSON.stringify(body)).toBe(201);
      const status = (await (await fetch(`${proxy.adminUrl}/status`)).json()) as {
        configuration_hash: string;
      };
      if (form === 'json-object') {
        // Form A: Kong hashes its processed entities (timestamps, random ids), never the text.
        expect(status.configuration_hash).toMatch(/^[0-9a-f]{32}$/);
        expect(status.configuration_hash).not.toBe(EMPTY_CONFIG_HASH);
      } else {
        expect(status.configuration_hash).toBe(configHash(golden.text));
      }
      expect(Object.keys(body as object).length).toBeGreaterThan(0);
    });
  }
});
