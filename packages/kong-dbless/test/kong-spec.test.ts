/**
 * Kong 3.10's own test suite (shared/conformance/kong-spec, 1,426 cases) replayed against the simulator:
 * one simulated Kong 3.10 node per router flavor, every case's request sent over loopback HTTP, its status
 * and every asserted body part compared as the suite's README defines. Prints the agreement table by
 * source file and writes per-case detail to .conformance-results/kong-spec.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { locateOracle } from '../src/conformance.ts';
import { type SimulatedProxy, startSimulatedProxy } from '../src/simulator/index.ts';
import type { RouterFlavor } from '../src/validate/index.ts';
import { readCases, replay } from './kong-spec/replay.ts';
import { judge, type Outcome, renderTable, tabulate } from './kong-spec/verdict.ts';

const location = locateOracle('kong-spec', import.meta.dirname);
if (!location.dir) console.log(location.missing);

/** The version the cases were written against (kong/meta.lua of SOURCE.txt's commit). */
const KONG_VERSION = '3.10.0';
/**
 * A ratchet above the bar of 0.98: the agreement measured at the last fix (1,415 / 1,415). The test
 * fails when agreement drops below it.
 */
const AGREEMENT_TARGET = 1;
/**
 * Wrong verdicts still known (accepted where Kong rejects / rejected where Kong accepts), by case id with
 * the reason. The list may only shrink: a wrong verdict not in it fails the test.
 */
const KNOWN_WRONG_VERDICTS: Record<string, string> = {};
/**
 * Cases whose spec checks only the schema pass (`DeclarativeConfig:validate()`) of a config that names a
 * consumer it does not define. `POST /config` also resolves references, so Kong answers them with 400
 * `invalid reference` too; like the suite's own `exclude`d case 01-validate_spec.lua:255#97 they are not
 * comparable, and the test below holds the simulator to rejecting them for that reason alone.
 */
const SCHEMA_ONLY_VALIDATE: Record<string, string> = {
  '01-validate_spec.lua:657#115': "oauth2_credentials name consumer 'foo', not defined",
  '01-validate_spec.lua:803#122': "oauth2_credentials name consumer 'bob', not defined",
  '01-validate_spec.lua:828#123': "oauth2_credentials name consumer 'bob', not defined",
};

/** Every string value of a JSON tree (an error table's messages). */
function stringLeaves(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value && typeof value === 'object') return Object.values(value).flatMap(stringLeaves);
  return [];
}

const REPORT = resolve(import.meta.dirname, '../../../.conformance-results/kong-spec.json');

describe.skipIf(!location.dir)("Kong 3.10's own specs (kong-spec oracle)", () => {
  const cases = (location.dir ? readCases(location.dir) : []).map((c) =>
    SCHEMA_ONLY_VALIDATE[c.id] === undefined
      ? c
      : { ...c, exclude: `schema-only validate(): ${SCHEMA_ONLY_VALIDATE[c.id]}` },
  );
  const schemaOnlyAnswers = new Map<string, unknown>();
  const proxies = new Map<RouterFlavor, SimulatedProxy>();
  let outcomes: Outcome[] = [];

  beforeAll(async () => {
    for (const flavor of new Set(cases.map((c) => c.flavor))) {
      proxies.set(
        flavor,
        await startSimulatedProxy({ kongVersion: KONG_VERSION, routerFlavor: flavor, loadDurationMs: 0 }),
      );
    }
    // One sequential stream per flavor (a case may read what an earlier one loaded), flavors in parallel.
    const byFlavor = Map.groupBy(cases, (c) => c.flavor);
    const results = await Promise.all(
      [...byFlavor].map(async ([flavor, list]) => {
        const out: Outcome[] = [];
        for (const c of list) {
          const answer = await replay(proxies.get(flavor)!.adminUrl, c);
          if (SCHEMA_ONLY_VALIDATE[c.id] !== undefined) schemaOnlyAnswers.set(c.id, answer);
          out.push(judge(c, answer));
        }
        return out;
      }),
    );
    const order = new Map(cases.map((c, i) => [c.id, i]));
    outcomes = results.flat().sort((a, b) => order.get(a.id)! - order.get(b.id)!);
    const table = tabulate(outcomes);
    console.log(`kong-spec oracle, Kong ${KONG_VERSION}:\n${renderTable(table)}`);
    mkdirSync(join(REPORT, '..'), { recursive: true });
    writeFileSync(
      REPORT,
      `${JSON.stringify({ kongVersion: KONG_VERSION, table, outcomes: outcomes.filter((o) => o.verdict !== 'agree') }, null, 1)}\n`,
    );
  }, 300_000);
  afterAll(async () => {
    await Promise.all([...proxies.values()].map((p) => p.stop()));
  });

  it('replays every case of the suite', () => {
    expect(cases.length).toBe(1426);
    expect(outcomes.length).toBe(cases.length);
  });

  it('gives no wrong verdict beyond the known ones', () => {
    const wrong = outcomes
      .filter(
        (o) => o.verdict === 'accepted-where-kong-rejects' || o.verdict === 'rejected-where-kong-accepts',
      )
      .filter((o) => KNOWN_WRONG_VERDICTS[o.id] === undefined)
      .map((o) => `${o.id} ${o.verdict}: ${o.reasons.join('; ')}`);
    expect(wrong).toEqual([]);
  });

  it('rejects the schema-only cases for their undefined reference alone', () => {
    for (const id of Object.keys(SCHEMA_ONLY_VALIDATE)) {
      const answer = schemaOnlyAnswers.get(id) as { status: number; body: { fields?: unknown } };
      expect(answer.status, id).toBe(400);
      const messages = stringLeaves(answer.body.fields);
      expect(messages.length, id).toBeGreaterThan(0);
      for (const m of messages)
        expect(m, id).toMatch(/^invalid reference 'consumer: \w+' \(no such entry in 'consumers'\)$/);
    }
  });

  it(`agrees with at least ${AGREEMENT_TARGET * 100} % of the comparable cases (target 98 %)`, () => {
    const table = tabulate(outcomes);
    expect(table.agreement, `see ${REPORT}`).toBeGreaterThanOrEqual(AGREEMENT_TARGET);
  });
});
