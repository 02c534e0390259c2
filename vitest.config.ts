import { defineConfig } from 'vitest/config';

// Four projects, so a contributor can run the quick ones alone (`npm run test:unit`):
// - `unit`: pure code, needs nothing running;
// - `kong-dbless`: the Kong emulation package's own tests (its vitest.config.ts), incl. the oracle
//   suites read from ../shared/conformance;
// - `integration`: modules against a real redis-server and a real kube-apiserver;
// - `e2e`: whole processes (the controller, the CLI, the demo, the control-plane script).
// Integration and e2e share one redis-server and one control plane (test/setup/shared-service.ts).
// The JSON report feeds the `N passed, N failed` summary line of .ci/run.
const services = { globalSetup: ['test/setup/redis.ts', 'test/setup/control-plane.ts'] };

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
          ...services,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          ...services,
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
