import { defineConfig } from 'vitest/config';

// Two tiers (docs/ARCHITECTURE.md): `unit` = fast tests beside the code (no servers, subprocesses or HTTP);
// `integration` = test/** (HTTP, kill -9, CLI subprocesses, PostgreSQL, Slurm, browser). `npm test` runs both.
export default defineConfig({
  test: {
    reporters: ['default', './test-reporter.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      // Unit files share one module graph per worker (isolate: false): re-importing the modules for every file was
      // about half of the tier's CPU. A unit test restores whatever it stubs (vi.restoreAllMocks) and sets no globals.
      {
        extends: true,
        test: { name: 'unit', include: ['src/**/*.test.ts', 'guards/**/*.test.ts'], isolate: false },
      },
      { extends: true, test: { name: 'integration', include: ['test/**/*.test.ts'] } },
    ],
  },
});
