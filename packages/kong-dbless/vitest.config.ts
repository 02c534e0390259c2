import { defineConfig } from 'vitest/config';

// The package's own tests: the validator's catalogue and oracle tests, and the simulator over HTTP.
// They need nothing running. `npm test` here runs them alone; the repository's root config includes
// this file as the `kong-dbless` project.
export default defineConfig({
  test: {
    name: 'kong-dbless',
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
  },
});
