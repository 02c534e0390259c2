/**
 * The public API of the Kong DB-less emulation that the controller may use: Kong's declarative-config
 * validator, the configuration hash Kong reports, and the entity ids Kong derives. The simulator is a
 * separate entry point (`@kong-fleet/kong-dbless/simulator`) because only tests, benchmarks and the
 * demo run it.
 */
export { configHash, EMPTY_CONFIG_HASH } from './config-hash.ts';
export { isUuid, kongEntityId, uuidv5 } from './uuid.ts';
export * from './validate/index.ts';
