import { describe, expect, it } from 'vitest';
import { ConfigValidator } from '../../src/config/validate.js';
import { GamewardError } from '../../src/errors.js';
import {
  AUTO_RESTART_OFF,
  type AutoRestartConfig,
  CrashPolicy,
  DEFAULT_AUTO_RESTART,
  normalizeAutoRestart,
} from '../../src/policy/auto-restart.js';

const v = new ConfigValidator('soulmask');
const crash = { exitCode: 1 };

function policy(overrides: Partial<AutoRestartConfig> = {}) {
  const clock = { now: 0 };
  const config = normalizeAutoRestart({ enabled: true, ...overrides }, v);
  return { clock, policy: new CrashPolicy(config, () => clock.now) };
}

describe('normalizeAutoRestart', () => {
  it('is the disabled defaults when not configured', () => {
    expect(normalizeAutoRestart(undefined, v)).toEqual({
      enabled: false,
      maxRestarts: 3,
      windowMs: 60_000,
      initialDelayMs: 1000,
      maxDelayMs: 60_000,
      factor: 2,
      restartOnCleanExit: true,
    });
    expect(normalizeAutoRestart(undefined, v)).toBe(AUTO_RESTART_OFF);
    expect(AUTO_RESTART_OFF.enabled).toBe(false);
  });

  it('spreading DEFAULT_AUTO_RESTART and changing one field still restarts (issue 10)', () => {
    const config = normalizeAutoRestart({ ...DEFAULT_AUTO_RESTART, maxRestarts: 5 }, v);
    expect(config).toMatchObject({ enabled: true, maxRestarts: 5 });
    expect(new CrashPolicy(config, () => 0).onCrash({ exitCode: 1 })).toMatchObject({
      action: 'restart',
    });
  });

  it('accepts fields set to undefined (exactOptionalPropertyTypes users)', () => {
    expect(normalizeAutoRestart({ maxRestarts: undefined, factor: undefined }, v)).toEqual(
      DEFAULT_AUTO_RESTART,
    );
  });

  it('merges the given fields over the defaults', () => {
    expect(normalizeAutoRestart({ enabled: true, maxRestarts: 5, factor: 1.5 }, v)).toEqual({
      ...DEFAULT_AUTO_RESTART,
      enabled: true,
      maxRestarts: 5,
      factor: 1.5,
    });
  });

  it('turns restarts on when the object is given, unless it says enabled: false', () => {
    expect(normalizeAutoRestart({}, v).enabled).toBe(true);
    expect(normalizeAutoRestart({ maxRestarts: 5 }, v)).toMatchObject({
      enabled: true,
      maxRestarts: 5,
    });
    expect(normalizeAutoRestart({ enabled: false, maxRestarts: 5 }, v).enabled).toBe(false);
  });

  it('accepts zero restarts when disabled and a zero delay', () => {
    expect(normalizeAutoRestart({ enabled: false, maxRestarts: 0 }, v).maxRestarts).toBe(0);
    expect(normalizeAutoRestart({ initialDelayMs: 0, maxDelayMs: 0 }, v).maxDelayMs).toBe(0);
  });

  it('refuses zero restarts when the object enables them implicitly', () => {
    expect(() => normalizeAutoRestart({ maxRestarts: 0 }, v)).toThrow(/maxRestarts/);
  });

  it.each([
    [{ enabled: true, maxRestarts: 0 }, 'maxRestarts', 'when `autoRestart.enabled` is true'],
    [{ enabled: 'yes' }, 'enabled', 'a boolean'],
    [{ maxRestarts: -1 }, 'maxRestarts', '-1'],
    [{ maxRestarts: 2.5 }, 'maxRestarts', '2.5'],
    [{ windowMs: 0 }, 'windowMs', 'a positive integer'],
    [{ initialDelayMs: -5 }, 'initialDelayMs', '-5'],
    [{ maxDelayMs: 2 ** 31 }, 'maxDelayMs', String(2 ** 31)],
    [{ initialDelayMs: 5000, maxDelayMs: 1000 }, 'maxDelayMs', '`autoRestart.initialDelayMs`'],
    [{ factor: 0.5 }, 'factor', '>= 1'],
    [{ factor: Number.POSITIVE_INFINITY }, 'factor', 'a finite number'],
    [{ restartOnCleanExit: 1 }, 'restartOnCleanExit', 'a boolean'],
    [{ maxRetries: 3 }, 'maxRetries', 'known options'],
    [true, 'autoRestart', 'an object'],
  ])('refuses %o naming %s', (value, field, detail) => {
    let caught: unknown;
    try {
      normalizeAutoRestart(value, v);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(GamewardError);
    const error = caught as GamewardError;
    expect(error.code).toBe('ERR_INVALID_CONFIG');
    const name = field === 'autoRestart' ? field : `autoRestart.${field}`;
    expect(error.message).toContain(`Instance "soulmask": expected \`${name}\``);
    expect(error.message).toContain(detail);
  });
});

describe('CrashPolicy', () => {
  it('does nothing when disabled, even for a signal', () => {
    const p = new CrashPolicy(AUTO_RESTART_OFF, () => 0);
    expect(p.onCrash({ signal: 'SIGSEGV' })).toEqual({ action: 'none', reason: 'disabled' });
  });

  it('backs off exponentially, then gives up after maxRestarts within the window', () => {
    const { policy: p } = policy();
    expect(p.onCrash(crash)).toEqual({ action: 'restart', attempt: 1, delayMs: 1000 });
    expect(p.onCrash(crash)).toEqual({ action: 'restart', attempt: 2, delayMs: 2000 });
    expect(p.onCrash(crash)).toEqual({ action: 'restart', attempt: 3, delayMs: 4000 });
    expect(p.onCrash(crash)).toEqual({ action: 'give-up', restarts: 3 });
    expect(p.onCrash(crash)).toEqual({ action: 'give-up', restarts: 3 });
  });

  it('caps the delay at maxDelayMs', () => {
    const { policy: p } = policy({
      maxRestarts: 10,
      initialDelayMs: 500,
      factor: 3,
      maxDelayMs: 5000,
    });
    const delays = Array.from({ length: 5 }, () => p.onCrash(crash)).map((d) =>
      d.action === 'restart' ? d.delayMs : -1,
    );
    expect(delays).toEqual([500, 1500, 4500, 5000, 5000]);
  });

  it('counts restarts in a sliding window', () => {
    const { clock, policy: p } = policy({ maxRestarts: 2, windowMs: 10_000 });
    expect(p.onCrash(crash)).toMatchObject({ action: 'restart', attempt: 1 });
    clock.now = 6000;
    expect(p.onCrash(crash)).toMatchObject({ action: 'restart', attempt: 2 });
    clock.now = 9999;
    expect(p.onCrash(crash)).toEqual({ action: 'give-up', restarts: 2 });
    // The first restart (at 0) has left the window; the one at 6000 still counts.
    clock.now = 10_000;
    expect(p.onCrash(crash)).toEqual({ action: 'restart', attempt: 2, delayMs: 2000 });
    clock.now = 30_000;
    expect(p.onCrash(crash)).toEqual({ action: 'restart', attempt: 1, delayMs: 1000 });
  });

  it('restarts after a clean exit by default, and not when told so', () => {
    const { policy: restarting } = policy();
    expect(restarting.onCrash({ exitCode: 0 })).toMatchObject({ action: 'restart' });
    const { policy: p } = policy({ restartOnCleanExit: false });
    expect(p.onCrash({ exitCode: 0 })).toEqual({ action: 'none', reason: 'clean-exit' });
    expect(p.onCrash({ exitCode: 0, signal: null })).toEqual({
      action: 'none',
      reason: 'clean-exit',
    });
    // A signal or a non-zero code is a crash, not a clean exit.
    expect(p.onCrash({ signal: 'SIGKILL' })).toMatchObject({ action: 'restart', attempt: 1 });
    expect(p.onCrash({ exitCode: 0, signal: 'SIGTERM' })).toMatchObject({ attempt: 2 });
    expect(p.onCrash({ exitCode: 2 })).toMatchObject({ attempt: 3 });
  });

  it('reset forgets the history', () => {
    const { policy: p } = policy({ maxRestarts: 1 });
    expect(p.onCrash(crash)).toMatchObject({ action: 'restart', attempt: 1 });
    expect(p.onCrash(crash)).toEqual({ action: 'give-up', restarts: 1 });
    p.reset();
    expect(p.onCrash(crash)).toEqual({ action: 'restart', attempt: 1, delayMs: 1000 });
  });
});
