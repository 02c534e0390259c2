import { describe, expect, it } from 'vitest';
import { listeningAddress } from '../../testing/controller-process.ts';
import { runCli, startCli } from '../helpers/cli.ts';
import { eventually } from '../helpers/eventually.ts';
import { redisUrl, uniquePrefix } from '../helpers/redis.ts';

describe('kong-fleet CLI', () => {
  it('lists its commands with --help', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/Commands:\n(.|\n)*\brun\b/);
  });

  it('exits 2 with one line naming the setting when the Redis URL is invalid', async () => {
    const { code, stdout, stderr } = await runCli(['run'], { KONG_FLEET_REDIS_URL: 'localhost:6379' });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain('KONG_FLEET_REDIS_URL="localhost:6379"');
    expect(stderr).toContain('redis://');
  });

  it('serves /healthz and /readyz, then stops on SIGTERM within the shutdown timeout', async () => {
    const cli = startCli(
      ['run', '--http-port', '0', '--http-host', '127.0.0.1', '--shutdown-timeout', '3s'],
      {
        KONG_FLEET_REDIS_URL: redisUrl(),
        KONG_FLEET_QUEUE_PREFIX: uniquePrefix('cli'),
      },
    );
    try {
      const address = await eventually(() => listeningAddress(cli.stdout()), {
        description: 'the listening address in the log',
      });
      expect((await fetch(`${address}/healthz`)).status).toBe(200);
      const ready = await eventually(async () => {
        const response = await fetch(`${address}/readyz`);
        return response.status === 200
          ? ((await response.json()) as { checks: Record<string, { ok: boolean }> })
          : undefined;
      });
      expect(ready.checks.redis?.ok).toBe(true);

      const signalledAt = Date.now();
      cli.child.kill('SIGTERM');
      expect(await cli.exited).toBe(0);
      expect(Date.now() - signalledAt).toBeLessThan(5000);
      expect(cli.stdout()).toContain('"msg":"stopped"');
    } finally {
      cli.child.kill('SIGKILL');
    }
  });

  it('reports not ready, and still stops cleanly, while Redis is unreachable', async () => {
    const cli = startCli(['run', '--http-port', '0', '--http-host', '127.0.0.1'], {
      KONG_FLEET_REDIS_URL: 'redis://127.0.0.1:1',
    });
    try {
      const address = await eventually(() => listeningAddress(cli.stdout()));
      const response = await fetch(`${address}/readyz`);
      expect(response.status).toBe(503);
      expect(((await response.json()) as { checks: Record<string, { ok: boolean }> }).checks.redis?.ok).toBe(
        false,
      );
      await eventually(() => cli.stdout().includes('waiting for Redis'));
      cli.child.kill('SIGTERM');
      expect(await cli.exited).toBe(0);
    } finally {
      cli.child.kill('SIGKILL');
    }
  });
});
