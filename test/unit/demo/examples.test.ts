import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.ts';

const example = (name: string) => fileURLToPath(new URL(`../../../examples/${name}`, import.meta.url));

type Entity = Record<string, unknown> & { tags?: string[] };
interface Config {
  services?: (Entity & { routes?: Entity[] })[];
  plugins?: Entity[];
  consumers?: (Entity & { keyauth_credentials?: Entity[] })[];
}

const routesOf = (config: Config, kind: string) =>
  (config.services ?? [])
    .flatMap((service) => service.routes ?? [])
    .filter((route) => route.tags?.includes(`k8s-kind:${kind}`));

describe('the examples the demo applies', () => {
  it.each(['quickstart.yaml', 'demo.yaml'])('%s translates with no errors', async (name) => {
    const result = await runCli(['translate', '-f', example(name), '-n', 'demo', '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as Config).services?.length).toBeGreaterThan(0);
  });

  it('demo.yaml becomes two Ingress paths behind key-auth, a consumer with its key, a global plugin and an HTTPRoute', async () => {
    const result = await runCli(['translate', '-f', example('demo.yaml'), '-n', 'demo', '--json']);
    const config = JSON.parse(result.stdout) as Config;

    const ingressRoutes = routesOf(config, 'Ingress');
    expect(ingressRoutes.map((route) => route.name).sort()).toEqual([
      'demo.shop.shop-api.shop.example.8080',
      'demo.shop.shop-web.shop.example.80',
    ]);
    const plugins = config.plugins ?? [];
    const keyAuthRoutes = plugins
      .filter((plugin) => plugin.name === 'key-auth')
      .map((plugin) => plugin.route);
    expect(keyAuthRoutes.sort()).toEqual(ingressRoutes.map((route) => route.name).sort());

    const [alice] = config.consumers ?? [];
    expect(alice?.username).toBe('alice');
    expect(alice?.keyauth_credentials?.map((credential) => credential.key)).toEqual([
      'demo-only-key-not-a-secret',
    ]);

    const global = plugins.find((plugin) => plugin.name === 'correlation-id');
    expect(global).toBeDefined();
    expect(global).not.toHaveProperty('route');
    expect(global).not.toHaveProperty('service');

    const [httpRoute] = routesOf(config, 'HTTPRoute');
    expect(httpRoute).toMatchObject({ hosts: ['catalog.example'] });
  });
});
