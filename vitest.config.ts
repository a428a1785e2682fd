import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['shared/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'workers/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration suites start worker processes and share one Redis: two cores, so keep it calm.
    maxWorkers: 2,
  },
});
