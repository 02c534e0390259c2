import { validateDeclarativeConfig } from '@kong-fleet/kong-dbless';
import { describe, expect, it } from 'vitest';
import { buildWithFallback } from '../../../kong/translate/index.ts';
import {
  gateOpen,
  KONG_VERSION_GATES,
  lowestKongVersion,
  REDIRECT_PLUGIN_GATE,
  STICKY_SESSIONS_GATE,
  upstreamPolicyGateProblem,
} from '../../../kong/translate/version-gates.ts';
import { errorsFor, httpRoute, ingress, run, service } from './helpers.ts';

const stickyPolicy = {
  apiVersion: 'configuration.konghq.com/v1beta1',
  kind: 'KongUpstreamPolicy',
  metadata: { name: 'echo-drain-policy', namespace: 'default' },
  spec: {
    algorithm: 'sticky-sessions',
    hashOn: { input: 'none' },
    stickySessions: { cookie: 'session-id', cookiePath: '/app' },
    healthchecks: { passive: { healthy: { successes: 3 } } },
  },
};
const objects = [
  ingress('web', { service: 'echo' }),
  service('echo', { annotations: { 'konghq.com/upstream-policy': 'echo-drain-policy' } }),
  stickyPolicy,
];
const KIC_MESSAGE =
  "sticky sessions algorithm specified in KongUpstreamPolicy 'echo-drain-policy' is not supported with Kong Gateway versions < 3.11.0";

describe('Kong-version gates (KIC internal/versions)', () => {
  it('sticky sessions below 3.11: the whole policy is skipped, with KIC message on the Service', () => {
    const old = run(objects, { kongVersion: '3.9.1' });
    const upstream = old.config.upstreams?.[0];
    // Neither the balancer, its cookie, nor the policy's healthchecks reach a Kong that cannot load them.
    expect(upstream?.algorithm).toBe('round-robin');
    expect(upstream).not.toHaveProperty('sticky_sessions_cookie');
    expect(upstream).not.toHaveProperty('hash_on_cookie');
    expect(upstream).not.toHaveProperty('healthchecks');
    expect(errorsFor(old.errors, 'Service', 'echo')).toEqual([
      expect.objectContaining({ reason: KIC_MESSAGE, dropped: true }),
    ]);
    // The rest of the Service ships.
    expect(old.config.services?.[0]?.routes).toHaveLength(1);
  });

  it('sticky sessions from 3.11: applied with Kong 3.11 fields, and Kong 3.11 accepts them', () => {
    const current = run(objects, { kongVersion: '3.11.0' });
    expect(current.errors).toEqual([]);
    expect(current.config.upstreams?.[0]).toMatchObject({
      algorithm: 'sticky-sessions',
      sticky_sessions_cookie: 'session-id',
      sticky_sessions_cookie_path: '/app',
      healthchecks: { passive: { healthy: { successes: 3 } } },
    });
    const verdict = validateDeclarativeConfig(current.config, { kongVersion: '3.11.0' });
    expect(verdict.ok ? 'accepted' : verdict.error.message).toBe('accepted');
  });

  it('a policy without sticky sessions is not gated', () => {
    const hashing = { ...stickyPolicy, spec: { algorithm: 'consistent-hashing', hashOn: { cookie: 'c' } } };
    expect(upstreamPolicyGateProblem(hashing, '3.4.1')).toBeUndefined();
    const result = run([...objects.slice(0, 2), hashing], { kongVersion: '3.4.1' });
    expect(result.config.upstreams?.[0]).toMatchObject({ hash_on: 'cookie', hash_on_cookie: 'c' });
    // stickySessions alone (no algorithm) is gated too: the cookie fields exist only from 3.11.
    const cookieOnly = { ...stickyPolicy, spec: { stickySessions: { cookie: 'c' } } };
    expect(upstreamPolicyGateProblem(cookieOnly, '3.10.0')).toBe(KIC_MESSAGE);
  });

  it('compares versions numerically, enterprise suffixes included', () => {
    expect(gateOpen(STICKY_SESSIONS_GATE, '3.9.1')).toBe(false);
    expect(gateOpen(STICKY_SESSIONS_GATE, '3.10.0.2-enterprise-edition')).toBe(false);
    expect(gateOpen(STICKY_SESSIONS_GATE, '3.11.0.0-enterprise-edition')).toBe(true);
    expect(gateOpen(STICKY_SESSIONS_GATE, '3.12')).toBe(true);
    expect(lowestKongVersion(['3.11.0', '3.9.1', '3.10.0'])).toBe('3.9.1');
    expect(lowestKongVersion([])).toBeUndefined();
  });

  it('buildWithFallback gates by the lowest Kong version the fleet reports, not the settings', () => {
    const build = (versions: string[]) =>
      buildWithFallback(objects, {
        settings: { gatewayAttachment: 'unfiltered', kongVersion: '3.9.1' },
        profiles: versions.map((kongVersion) => ({
          kongVersion,
          routerFlavor: 'traditional' as const,
          edition: 'community' as const,
        })),
      });
    const allNew = build(['3.11.0', '3.12.0']);
    expect(allNew.valid).toBe(true);
    expect(allNew.config.upstreams?.[0]?.algorithm).toBe('sticky-sessions');
    // One proxy still on 3.10 holds the whole fleet back (it would reject sticky-sessions with a 400).
    const mixed = build(['3.11.0', '3.10.0']);
    expect(mixed.valid).toBe(true);
    expect(mixed.config.upstreams?.[0]?.algorithm).toBe('round-robin');
    expect(errorsFor(mixed.errors, 'Service', 'echo')[0]?.reason).toBe(KIC_MESSAGE);
    // Nothing reported yet: the settings' version.
    expect(build([]).config.upstreams?.[0]?.algorithm).toBe('round-robin');
  });

  describe('redirect plugin (versions.KongRedirectPluginCutoff, 3.9)', () => {
    const redirectRoute = (requestRedirect: Record<string, unknown>) =>
      httpRoute('r', [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/old' } }],
          filters: [{ type: 'RequestRedirect', requestRedirect }],
          backendRefs: [{ kind: 'Service', name: 'svc', port: 80 }],
        },
      ]);
    const pluginsOf = (requestRedirect: Record<string, unknown>, settings: Record<string, unknown>) => {
      const result = run([redirectRoute(requestRedirect), service('svc')], settings);
      return {
        result,
        plugins: result.config.services?.[0]?.routes?.[0]?.plugins?.map((p) => [p.name, p.config]),
      };
    };
    const spec = { scheme: 'https', hostname: 'new.example.com', statusCode: 301 };

    it('below 3.9: request-termination and a Location header (the redirect plugin does not exist)', () => {
      expect(pluginsOf(spec, { kongVersion: '3.8.1' }).plugins).toEqual([
        ['response-transformer', { add: { headers: ['Location: https://new.example.com:80/old'] } }],
        ['request-termination', { status_code: 301 }],
      ]);
    });

    it('from 3.9: the redirect plugin keeps the incoming path, and Kong 3.9 accepts it', () => {
      const { result, plugins } = pluginsOf(spec, { kongVersion: '3.9.0' });
      expect(plugins).toEqual([
        ['redirect', { status_code: 301, location: 'https://new.example.com/', keep_incoming_path: true }],
      ]);
      const verdict = validateDeclarativeConfig(result.config, { kongVersion: '3.9.0' });
      expect(verdict.ok ? 'accepted' : verdict.error.message).toBe('accepted');
    });

    it('from 3.9: ReplaceFullPath and a port go into the location', () => {
      const full = { ...spec, port: 8443, path: { type: 'ReplaceFullPath', replaceFullPath: '/new' } };
      expect(pluginsOf(full, { kongVersion: '3.11.0' }).plugins).toEqual([
        [
          'redirect',
          { status_code: 301, location: 'https://new.example.com:8443/new', keep_incoming_path: false },
        ],
      ]);
    });

    it('from 3.9 with the expression router too', () => {
      const { plugins } = pluginsOf(spec, {
        kongVersion: '3.9.1',
        featureFlags: { ExpressionRoutes: true },
      });
      expect(plugins?.map(([name]) => name)).toEqual(['redirect']);
    });

    it('without a hostname the older translation stays (the plugin needs an absolute location)', () => {
      expect(pluginsOf({ statusCode: 302 }, { kongVersion: '3.9.1' }).plugins).toEqual([
        ['response-transformer', { add: { headers: ['Location: /old'] } }],
        ['request-termination', { status_code: 302 }],
      ]);
    });

    it('the gate list is KIC 3.5 internal/versions: redirect 3.9.0, sticky sessions 3.11.0', () => {
      expect(KONG_VERSION_GATES.map((g) => g.minVersion)).toEqual(['3.9.0', '3.11.0']);
      expect(gateOpen(REDIRECT_PLUGIN_GATE, '3.8.9')).toBe(false);
      expect(gateOpen(REDIRECT_PLUGIN_GATE, '3.9.0.0-enterprise-edition')).toBe(true);
    });
  });
});
