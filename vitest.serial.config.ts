import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { SERIAL_TESTS } from './vitest.config.js';

/**
 * The tests that restart the Docker engine come last, the swarm manager's before the compose
 * one: after an engine restart, node 2 takes a while to be Ready again.
 */
class EngineRestartLast extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification): number =>
      f.moduleId.endsWith('engine-restart.test.ts')
        ? 2
        : f.moduleId.endsWith('manager-restart.test.ts')
          ? 1
          : 0;
    return [...sorted].sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    include: SERIAL_TESTS,
    exclude: ['node_modules/**'],
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/setup-file.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
    sequence: { sequencer: EngineRestartLast },
    // Its own report, so it never replaces the main run's (scripts/test-summary.mjs adds both).
    reporters: ['default', ['json', { outputFile: '.vitest-results/serial.json' }]],
  },
});
