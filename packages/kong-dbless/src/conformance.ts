import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * Where the oracle suites written by others live: `shared/conformance/` beside the repository (CI and
 * the developers' machines always have it; a user's clone usually does not). They are read in place,
 * never copied into the project. `KONG_FLEET_CONFORMANCE_DIR` points elsewhere.
 */
export type OracleSuite = 'kic-golden' | 'kong-spec';

export interface OracleLocation {
  /** The suite's folder, or undefined when it is not there. */
  dir: string | undefined;
  /** One line for a skipped suite: what was looked for and where. */
  missing: string;
}

export function locateOracle(suite: OracleSuite, from: string = import.meta.dirname): OracleLocation {
  const override = process.env.KONG_FLEET_CONFORMANCE_DIR;
  const candidates = override
    ? [join(resolve(override), suite)]
    : ancestors(from).map((d) => join(d, 'shared', 'conformance', suite));
  const dir = candidates.find((c) => existsSync(c));
  const where = override
    ? `KONG_FLEET_CONFORMANCE_DIR=${override}`
    : `shared/conformance beside any folder above ${from}`;
  return { dir, missing: `skipped: the ${suite} oracle suite is not here (looked for ${suite} in ${where})` };
}

function ancestors(from: string): string[] {
  const out: string[] = [];
  for (let d = resolve(from); ; d = dirname(d)) {
    out.push(d);
    if (dirname(d) === d) return out;
  }
}
