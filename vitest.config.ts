import { defineConfig } from 'vitest/config';

// Two projects: `unit` needs nothing running; `integration` gets a real redis-server and a
// real kube-apiserver from the global setups (started once per run, stopped after).
// The JSON report feeds the `N passed, N failed` summary line of .ci/run.
export default defineConfig({
  test: {
    reporters: ['default', 'json'],
    outputFile: { json: '.test-results/vitest.json' },
    projects: [
      'packages/kong-dbless',
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/setup/redis.ts', 'test/setup/control-plane.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
