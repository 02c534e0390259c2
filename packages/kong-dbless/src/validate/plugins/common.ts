/** Building blocks shared by the plugin schemas. */
import type { Field } from '../schema.ts';
import { HTTP_PROTOCOLS, PROTOCOLS } from '../typedefs.ts';

export const bool = (d: boolean): Field => ({ type: 'boolean', required: true, default: d });
export const str: Field = { type: 'string' };
export const strings = (d?: string[]): Field => ({
  type: 'array',
  elements: { type: 'string' },
  ...(d ? { default: d, required: true } : {}),
});

/** Plugin-level `protocols` of plugins that only run on HTTP-family traffic. */
export const protocolsHttp: Field = {
  type: 'set',
  required: true,
  default: [...HTTP_PROTOCOLS],
  elements: { type: 'string', oneOf: HTTP_PROTOCOLS },
};

/** Plugin-level `protocols` of plugins that run on any traffic (defaulting to HTTP-family). */
export const protocolsAll: Field = {
  type: 'set',
  required: true,
  default: [...HTTP_PROTOCOLS],
  elements: { type: 'string', oneOf: PROTOCOLS },
};

/** How a plugin constrains the scope fields and protocols around its `config`. */
export interface PluginDefinition {
  /** Plugins such as key-auth cannot be scoped to a consumer (`typedefs.no_consumer`). */
  noConsumer?: boolean;
  protocols: Field;
  config: Field;
  /** Plugin-level entity checks on `config.*`. */
  checks?: import('../schema.ts').EntityCheck[];
  /** Only known to these editions. */
  enterprise?: boolean;
  /** Mutates the raw config before validation (deprecated shorthands). */
  shorthands?: (config: Record<string, unknown>) => void;
}

/** A check over config fields addressed as `config.<name>` in messages. */
export function configPath(names: readonly string[]): string[] {
  return names.map((n) => `config.${n}`);
}
