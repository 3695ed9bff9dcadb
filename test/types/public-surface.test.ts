import { describe, expect, it } from 'vitest';
import * as gameward from '../../src/index.js';
import * as testing from '../../src/testing/index.js';

// Issue 10: the public surface fits on one screen, and no internal normaliser or helper leaks
// into it. A new export is a decision: add it here on purpose.
describe('the public surface', () => {
  it('exports exactly these values from gameward', () => {
    expect(Object.keys(gameward).sort()).toEqual(
      [
        'ComposeSupervisor',
        'DEFAULT_AUTO_RESTART',
        'DEFAULT_CRASH_LINES',
        'DEFAULT_KILL_GRACE_MS',
        'DEFAULT_RESTART_DELAY_MS',
        'DEFAULT_STOP_TIMEOUT_MS',
        'ErrorCodes',
        'Fleet',
        'GamewardError',
        'ProcessSupervisor',
        'States',
        'SwarmSupervisor',
        'canTransition',
        'crashed',
        'createSupervisor',
        'fleetActions',
        'fromWire',
        'isGamewardError',
        'isSignalName',
        'parseFleetCommand',
        'sameState',
        'silentLogger',
        'stateLabel',
        'stateLabels',
        'supervisorKinds',
        'toWire',
        'transitions',
        ...Object.keys(gameward).filter(
          (k) => k.startsWith('DEFAULT_COMPOSE') || k.startsWith('COMPOSE_'),
        ),
      ].sort(),
    );
    for (const name of Object.keys(gameward))
      expect(name).not.toMatch(/^normalize|^describe|^assert/);
  });

  it('exports FakeSupervisor and fakeGameServer from gameward/testing', () => {
    expect(Object.keys(testing).sort()).toEqual(['FakeSupervisor', 'fakeGameServer']);
  });

  it('takes the logger in the same place for every supervisor and for Fleet', async () => {
    const seen: string[] = [];
    const logger = {
      debug: (_: object, msg?: string) => seen.push(`debug ${msg}`),
      info: () => undefined,
      warn: () => undefined,
      error: () => undefined,
    };
    const fake = new testing.FakeSupervisor({ id: 'logged' }, { logger });
    await fake.start();
    await fake.close();
    expect(seen).toContain('debug state');
    await new gameward.Fleet({ logger }).close();
  });
});
