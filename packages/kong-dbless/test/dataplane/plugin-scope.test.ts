/** Which plugin instance applies: Kong's combination order, most specific first. */
import { expect, it } from 'vitest';
import { resolvePlugin } from '../../src/simulator/dataplane/plugins/scope.ts';

const ref = (id: string | undefined) => (id ? { id } : null);
const plugin = (id: string, route?: string, service?: string, consumer?: string) => ({
  id,
  name: 'rate-limiting',
  route: ref(route),
  service: ref(service),
  consumer: ref(consumer),
  protocols: ['http', 'https'],
});
const all = [
  plugin('global'),
  plugin('service', undefined, 's'),
  plugin('route', 'r'),
  plugin('consumer', undefined, undefined, 'c'),
  plugin('route+service', 'r', 's'),
  plugin('service+consumer', undefined, 's', 'c'),
  plugin('route+consumer', 'r', undefined, 'c'),
  plugin('route+service+consumer', 'r', 's', 'c'),
];

it.each([
  ['route+service+consumer', all],
  ['route+consumer', all.filter((p) => p.id !== 'route+service+consumer')],
  ['service+consumer', all.filter((p) => !p.id.startsWith('route+'))],
  ['route+service', all.filter((p) => !p.id.includes('consumer') || p.id === 'consumer')],
  ['consumer', all.filter((p) => !p.id.includes('+'))],
  ['route', all.filter((p) => !p.id.includes('+') && p.id !== 'consumer')],
  ['service', [plugin('global'), plugin('service', undefined, 's')]],
  ['global', [plugin('global'), plugin('other-route', 'x')]],
])('picks %s when it is the most specific present', (expected, plugins) => {
  expect(
    resolvePlugin(plugins, 'rate-limiting', { route: 'r', service: 's', consumer: 'c' }, 'http')?.id,
  ).toBe(expected);
});

it('ignores consumer instances until a consumer is known, and instances of other protocols', () => {
  expect(resolvePlugin(all, 'rate-limiting', { route: 'r', service: 's' }, 'http')?.id).toBe('route+service');
  const grpcOnly = [{ ...plugin('grpc'), protocols: ['grpc'] }];
  expect(resolvePlugin(grpcOnly, 'rate-limiting', { route: 'r', service: 's' }, 'http')).toBeUndefined();
});
