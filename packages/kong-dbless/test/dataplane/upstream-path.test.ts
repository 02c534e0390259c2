/** Path joining, checked against the path_handling table of Kong's proxy reference. */
import { expect, it } from 'vitest';
import { upstreamPath } from '../../src/simulator/dataplane/upstream-path.ts';

// [service.path, route path, request, strip_path, v0, v1]
const TABLE: Array<[string | null, string, string, boolean, string, string]> = [
  ['/s', '/fv0', '/fv0req', true, '/s/req', '/sreq'],
  ['/s', '/fv0', '/fv0/req', true, '/s/req', '/s/req'],
  ['/s', '/fv0', '/fv0req', false, '/s/fv0req', '/s/fv0req'],
  ['/s/', '/fv0', '/fv0/req', true, '/s/req', '/s/req'],
  ['/s/', '/fv0', '/fv0req', true, '/s/req', '/s/req'],
  ['/s', '/fv0/', '/fv0/req', true, '/s/req', '/sreq'],
  ['/s/', '/fv0/', '/fv0/req', false, '/s/fv0/req', '/s/fv0/req'],
  [null, '/a', '/a/b', true, '/b', '/b'],
  [null, '/a', '/a', true, '/', '/'],
  [null, '/a', '/a/', true, '/', '/'],
  [null, '/a', '/a/b', false, '/a/b', '/a/b'],
  ['/base', '/a', '/a', true, '/base', '/base'],
  ['/base', '/a', '/a/', true, '/base/', '/base/'],
];

it.each(TABLE)(
  'service %s, route %s, request %s, strip %s → v0 %s, v1 %s',
  (service, route, req, strip, v0, v1) => {
    const input = { requestPath: req, servicePath: service, stripPath: strip, matchedPath: route };
    expect(upstreamPath({ ...input, pathHandling: 'v0' })).toBe(v0);
    expect(upstreamPath({ ...input, pathHandling: 'v1' })).toBe(v1);
  },
);
