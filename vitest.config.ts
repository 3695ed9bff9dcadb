import { defineConfig } from 'vitest/config';

/**
 * Tests that disturb a peer other tests share (cut the sshd, stop swarm node 2, restart the
 * Docker engine): `npm test` runs them after the main run, one file at a time
 * (vitest.serial.config.ts).
 */
export const SERIAL_TESTS = [
  'test/remote/**/*.test.ts',
  'test/swarm/**/*.test.ts',
  'test/compose/engine-restart.test.ts',
];

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/soak/**', 'node_modules/**', ...SERIAL_TESTS],
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/setup-file.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', ['json', { outputFile: '.vitest-results/results.json' }]],
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
  },
});
