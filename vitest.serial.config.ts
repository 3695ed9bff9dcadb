import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { SERIAL_TESTS } from './vitest.config.js';

/** The tests that restart the Docker engine come last: the swarm's manager is that engine. */
class EngineRestartLast extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const last = (f: TestSpecification): boolean =>
      /(engine|manager)-restart\.test\.ts$/.test(f.moduleId);
    return [...sorted.filter((f) => !last(f)), ...sorted.filter(last)];
  }
}

// The second half of `npm test`: tests that disturb a shared peer (an sshd cut, node 2 of the
// swarm stopped, the Docker engine restarted) run one file at a time, after the main run, so
// that no other test sees the disturbance.
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
