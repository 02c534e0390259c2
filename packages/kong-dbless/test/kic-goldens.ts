import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { locateOracle } from '../src/conformance.ts';

/** One of KIC's golden outputs: a config real Kong accepted, with the profile KIC produced it for. */
export interface KicGolden {
  name: string;
  text: string;
  edition: 'community' | 'enterprise';
  routerFlavor: 'traditional' | 'expressions';
}

const location = locateOracle('kic-golden', import.meta.dirname);
/** Whether the suite is here; when not, the suites skip and say why once. */
export const KIC_GOLDENS_PRESENT = location.dir !== undefined;
if (!location.dir) console.log(location.missing);

/** Every `*_golden.yaml` under shared/conformance/kic-golden, or none when it is absent. */
export function readKicGoldens(): KicGolden[] {
  const root = location.dir;
  if (!root) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) =>
      readdirSync(join(root, d.name))
        .filter((f) => f.endsWith('_golden.yaml'))
        .map((f) => ({
          name: `${d.name}/${f}`,
          text: readFileSync(join(root, d.name, f), 'utf8'),
          edition: d.name.endsWith('-ee') ? ('enterprise' as const) : ('community' as const),
          routerFlavor: f.startsWith('expression-routes-on')
            ? ('expressions' as const)
            : ('traditional' as const),
        })),
    );
}
