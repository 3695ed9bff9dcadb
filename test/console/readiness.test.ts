import { describe, expect, it } from 'vitest';
import { ConfigValidator } from '../../src/config/validate.js';
import {
  createLineMatcher,
  DEFAULT_READINESS_TIMEOUT_MS,
  normalizeReadiness,
} from '../../src/console/readiness.js';
import { GamewardError } from '../../src/errors.js';

const v = new ConfigValidator('rust-1');

function refusal(value: unknown): GamewardError {
  try {
    normalizeReadiness(value, v);
  } catch (error) {
    expect(error).toBeInstanceOf(GamewardError);
    return error as GamewardError;
  }
  throw new Error(`expected ${String(value)} to be refused`);
}

describe('normalizeReadiness', () => {
  it('is undefined when not configured', () => {
    expect(normalizeReadiness(undefined, v)).toBeUndefined();
  });

  it('defaults the timeout and keeps a string or RegExp pattern', () => {
    expect(normalizeReadiness({ pattern: 'Server started' }, v)).toEqual({
      pattern: 'Server started',
      timeoutMs: DEFAULT_READINESS_TIMEOUT_MS,
    });
    const regex = /Done \(\d+\.\d+s\)!/;
    expect(normalizeReadiness({ pattern: regex, timeoutMs: 5000 }, v)).toEqual({
      pattern: regex,
      timeoutMs: 5000,
    });
  });

  it.each([
    [{ pattern: '' }, 'readiness.pattern', 'a non-empty'],
    [{ pattern: /(?:)/ }, 'readiness.pattern', 'a non-empty pattern'],
    [{ pattern: 42 }, 'readiness.pattern', '42'],
    [{}, 'readiness.pattern', 'undefined'],
    [{ pattern: 'x', timeoutMs: -1 }, 'readiness.timeoutMs', '-1'],
    [{ pattern: 'x', timeoutMs: 0 }, 'readiness.timeoutMs', 'an integer from 1'],
    [{ pattern: 'x', timeoutMs: 1.5 }, 'readiness.timeoutMs', '1.5'],
    [{ pattern: 'x', timeoutMs: 2 ** 31 }, 'readiness.timeoutMs', String(2 ** 31)],
    [{ pattern: 'x', timeout: 5 }, 'readiness.timeout', 'known options'],
    ['Server started', 'readiness', 'an object'],
    [null, 'readiness', 'an object'],
  ])('refuses %o naming %s', (value, field, detail) => {
    const error = refusal(value);
    expect(error.code).toBe('ERR_INVALID_CONFIG');
    expect(error.instanceId).toBe('rust-1');
    expect(error.message).toContain('"rust-1"');
    expect(error.message).toContain(`\`${field}\``);
    expect(error.message).toContain(detail);
  });
});

describe('createLineMatcher', () => {
  it('matches a string as a substring', () => {
    const match = createLineMatcher('Server startup complete');
    expect(match('[12:00] Server startup complete.')).toBe(true);
    expect(match('Server startup')).toBe(false);
  });

  it('strips ANSI colour codes before matching', () => {
    const coloured = '\u001b[32m[INFO]\u001b[0m Done \u001b[1m(3.2s)\u001b[0m! For help';
    expect(createLineMatcher('[INFO] Done (3.2s)!')(coloured)).toBe(true);
    expect(createLineMatcher(/^\[INFO\] Done \(\d+\.\ds\)!/)(coloured)).toBe(true);
  });

  it('matches every time with a global or sticky RegExp', () => {
    for (const regex of [/ready/g, /ready/y, /ready/gy]) {
      const match = createLineMatcher(regex);
      expect([match('ready'), match('ready'), match('ready')]).toEqual([true, true, true]);
    }
  });

  it('leaves the caller RegExp untouched', () => {
    const regex = /ready/g;
    regex.lastIndex = 3;
    createLineMatcher(regex)('ready');
    expect(regex.lastIndex).toBe(3);
  });

  it('keeps sticky anchoring at the line start', () => {
    const match = createLineMatcher(/ready/y);
    expect(match('not ready')).toBe(false);
    expect(match('ready now')).toBe(true);
  });
});
