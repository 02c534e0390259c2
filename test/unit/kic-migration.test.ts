import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { MigrationInputError, migrateKic } from '../../workers/kic-migration.ts';
import { settingSpecs } from '../../workers/settings.ts';
import { runCli } from '../helpers/cli.ts';

/** A sample's path (the command reads it) and its documents. */
const samplePath = (file: string) => fileURLToPath(new URL(`../../examples/kic/${file}`, import.meta.url));
const sample = async (file: string) =>
  parseAllDocuments(await readFile(samplePath(file), 'utf8')).map((d) => d.toJS());

describe('kong-fleet migrate: a KIC install in, kong-fleet chart values out', () => {
  it('carries a KIC Deployment’s args and CONTROLLER_* variables over, and names the rest', async () => {
    const migration = migrateKic(await sample('kic-deployment.yaml'));
    expect(migration.input).toBe('kic-deployment');
    expect(migration.values).toEqual({
      controller: {
        replicaCount: 2,
        adminService: 'kong/kong-gateway-admin',
        publishService: 'kong/kong-gateway-proxy',
        env: {
          ingress_class: 'kong',
          admin_port_names: 'admin-tls',
          // GatewayAlpha is no gate kong-fleet knows: dropped, and named below. KIC 3.5's
          // --combined-services-from-different-httproutes is the translator flag of that name.
          feature_gates: 'FillIDs=true,RewriteURIs=true,CombinedServicesFromDifferentHTTPRoutes=true',
          watch_namespaces: 'apps,payments',
          log_level: 'debug',
          admin_timeout_cap: '20s',
          admin_tls_server_name: 'kong-gateway-admin.kong.svc',
          // Beside KIC until the takeover.
          fleet_mode: 'shadow',
        },
      },
      rbac: { watchNamespaces: ['apps', 'payments'] },
      // The three -file flags point into one mounted Secret with kong-fleet's key names.
      adminTLS: { source: 'existingSecrets', existingSecrets: { client: 'kong-admin-api-cert' } },
      webhook: { enabled: true, port: 8080 },
      proxy: { enabled: false },
    });
    expect(migration.leftovers.map((l) => l.source).sort()).toEqual(
      [
        '--election-id',
        '--proxy-sync-seconds',
        // From a Secret: its value is not in the manifest.
        'CONTROLLER_KONG_ADMIN_TOKEN',
        'CONTROLLER_FEATURE_GATES GatewayAlpha=true',
        'CONTROLLER_ADMISSION_WEBHOOK_LISTEN',
        'CONTROLLER_ANONYMOUS_REPORTS',
      ].sort(),
    );
    expect(migration.leftovers.find((l) => l.source === '--proxy-sync-seconds')?.reason).toMatch(/on change/);
    expect(migration.env).toMatchObject({
      KONG_FLEET_ADMIN_SERVICE: 'kong/kong-gateway-admin',
      KONG_FLEET_FEATURE_GATES: 'FillIDs=true,RewriteURIs=true,CombinedServicesFromDifferentHTTPRoutes=true',
    });
    // Every variable it writes is a setting, with a value the setting accepts.
    const specs = Object.values(settingSpecs);
    for (const [name, value] of Object.entries(migration.env)) {
      const spec = specs.find((s) => s.env === name);
      expect(spec, name).toBeDefined();
      expect(spec!.schema.safeParse(value).success, `${name}=${value}`).toBe(true);
    }
  });

  it('carries kong/ingress chart values over, and names what the chart derived or kong-fleet lacks', async () => {
    const migration = migrateKic(await sample('kong-ingress-values.yaml'));
    expect(migration.input).toBe('kong-ingress-values');
    expect(migration.values).toEqual({
      controller: {
        env: {
          feature_gates: 'KongServiceFacade=true,FillIDs=true',
          publish_addresses: '203.0.113.10',
          ingress_class: 'kong-public',
          watch_namespaces: 'apps',
          fleet_mode: 'shadow',
        },
      },
      rbac: { watchNamespaces: ['apps'] },
      webhook: { enabled: true },
      proxy: { enabled: false },
    });
    expect(migration.leftovers.map((l) => l.source).sort()).toEqual(
      [
        'controller.ingressController.gatewayDiscovery.adminApiService',
        'controller.ingressController.adminApi',
        '--enable-controller-kongclusterplugin',
        'controller.ingressController.env.kong_admin_tls_skip_verify',
        'controller.ingressController.env.log_format',
      ].sort(),
    );
    expect(migration.leftovers.find((l) => l.source.endsWith('adminApiService'))?.reason).toMatch(
      /controller\.adminService/,
    );
  });

  it('reads kong/kong values (ingressController at the top)', () => {
    const migration = migrateKic([
      {
        ingressController: {
          enabled: true,
          ingressClass: 'edge',
          env: { kong_admin_svc: 'kong/kong-admin', gateway_api_controller_name: 'example.com/edge' },
        },
      },
    ]);
    expect(migration.input).toBe('kong-kong-values');
    expect(migration.values).toMatchObject({
      controller: {
        adminService: 'kong/kong-admin',
        env: { ingress_class: 'edge', gateway_controller_names: 'example.com/edge' },
      },
    });
    expect(migration.leftovers).toEqual([]);
  });

  it('refuses input that is neither, and a value kong-fleet would refuse is named, not written', () => {
    expect(() => migrateKic([{ kind: 'Service' }])).toThrow(MigrationInputError);
    expect(() =>
      migrateKic([{ kind: 'Deployment', spec: { template: { spec: { containers: [{ name: 'app' }] } } } }]),
    ).toThrow(/expected one KIC Deployment, found 0 among 1/);
    const migration = migrateKic([
      { ingressController: { ingressClass: 'Not A Class', env: { kong_admin_svc: 'kong/kong-admin' } } },
    ]);
    expect(migration.env.KONG_FLEET_INGRESS_CLASS).toBeUndefined();
    expect(migration.leftovers).toEqual([
      {
        source: 'KONG_FLEET_INGRESS_CLASS',
        reason: expect.stringMatching(/"Not A Class" is not valid here/),
      },
    ]);
  });
});

// Each case starts a Node process; give them room on a busy machine.
describe('kong-fleet migrate, the command', { timeout: 60_000 }, () => {
  it.each(['kic-deployment.yaml', 'kong-ingress-values.yaml'])(
    'prints the values for examples/kic/%s, and each leftover once on stderr and in the header',
    async (file) => {
      const migration = migrateKic(await sample(file));
      const run = await runCli(['migrate', '-f', samplePath(file)]);
      expect(run.code, run.stderr).toBe(0);
      expect(parse(run.stdout)).toEqual(migration.values);
      expect(migration.leftovers.length).toBeGreaterThan(0);
      expect(run.stderr.trimEnd().split('\n')).toEqual(
        migration.leftovers.map((l) => `kong-fleet migrate: not carried over: ${l.source}: ${l.reason}`),
      );
      for (const l of migration.leftovers) expect(run.stdout).toContain(`#   ${l.source}: ${l.reason}\n`);
    },
  );

  it('--env prints the KONG_FLEET_* variables; no file is a usage error (exit 2)', async () => {
    const migration = migrateKic(await sample('kic-deployment.yaml'));
    const run = await runCli(['migrate', '-f', samplePath('kic-deployment.yaml'), '--env']);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.split('\n').filter((line) => line.startsWith('KONG_FLEET_'));
    expect(Object.fromEntries(lines.map((line) => line.split(/=(.*)/s).slice(0, 2)))).toEqual(migration.env);
    expect((await runCli(['migrate'])).code).toBe(2);
  });
});
