import { defineConfig } from 'vitest/config';

// `npm run test:soak`: the long reliability runs. GAMEWARD_SOAK_CYCLES bounds them (default 2000).
export default defineConfig({
  test: {
    include: ['test/soak/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/setup-file.ts'],
    testTimeout: 30 * 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Heap is compared after a forced collection.
    poolOptions: { forks: { execArgv: ['--expose-gc'] } },
    // Its own report, so it never replaces the main suite's.
    reporters: ['default', ['json', { outputFile: '.vitest-results/soak.json' }]],
  },
});
