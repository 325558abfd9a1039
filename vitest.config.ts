import { defineConfig } from 'vitest/config';

// Two tiers (docs/ARCHITECTURE.md): `unit` = fast tests beside the code (no servers, subprocesses or HTTP);
// `integration` = test/** (HTTP, kill -9, CLI subprocesses, PostgreSQL, Slurm, browser). `npm test` runs both.
export default defineConfig({
  test: {
    reporters: ['default', './test-reporter.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['src/**/*.test.ts', 'guards/**/*.test.ts'] } },
      { extends: true, test: { name: 'integration', include: ['test/**/*.test.ts'] } },
    ],
  },
});
