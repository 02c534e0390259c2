/**
 * Which instance of a plugin applies to a request: the most specific of Kong's combinations (route+service+
 * consumer, route+consumer, service+consumer, route+service, consumer, route, service, global), each plugin
 * matching only its exact combination (kong/runloop/plugins_iterator.lua).
 */
import type { KongEntity } from '../../../validate/index.ts';
import { refId } from '../compiled-config.ts';

export interface Scope {
  route?: string;
  service?: string;
  consumer?: string;
}

const COMBINATIONS: Array<Array<keyof Scope>> = [
  ['route', 'service', 'consumer'],
  ['route', 'consumer'],
  ['service', 'consumer'],
  ['route', 'service'],
  ['consumer'],
  ['route'],
  ['service'],
  [],
];

const KEYS: Array<keyof Scope> = ['route', 'service', 'consumer'];

/** The instance of `name` that applies, or undefined. `protocol` filters by the plugin's `protocols`. */
export function resolvePlugin(
  plugins: readonly KongEntity[],
  name: string,
  scope: Scope,
  protocol: string,
): KongEntity | undefined {
  const candidates = plugins.filter(
    (p) => p.name === name && (!Array.isArray(p.protocols) || p.protocols.includes(protocol)),
  );
  for (const combination of COMBINATIONS) {
    if (combination.some((key) => scope[key] === undefined)) continue;
    const found = candidates.find((p) =>
      KEYS.every((key) =>
        combination.includes(key) ? refId(p[key]) === scope[key] : refId(p[key]) === undefined,
      ),
    );
    if (found) return found;
  }
  return undefined;
}
