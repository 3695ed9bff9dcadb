import { MAX_TIMER_MS } from '../config/validate.js';
import { describeGot, GamewardError } from '../errors.js';
import type { CallOptions } from '../supervisor.js';

/** The most items a `states()` or `output()` iterator may buffer. */
const MAX_BUFFER = 10_000_000;

function fail(instanceId: string, field: string, expected: string, value: unknown): never {
  throw new GamewardError(
    'ERR_INVALID_ARGUMENT',
    `expected \`${field}\` to be ${expected}, got ${describeGot(value)}`,
    { instanceId },
  );
}

/** `{ signal }` of a lifecycle call: absent, or an AbortSignal. */
export function checkCallOptions(instanceId: string, options: CallOptions | undefined): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null)
    fail(instanceId, 'options', 'an object', options);
  const { signal } = options;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    fail(instanceId, 'signal', 'an AbortSignal', signal);
  }
}

/** An iterator's `bufferSize`: absent, or an integer from 1 to 10 000 000. */
export function checkBufferSize(instanceId: string, value: unknown): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > MAX_BUFFER) {
    fail(instanceId, 'bufferSize', `an integer from 1 to ${MAX_BUFFER}`, value);
  }
}

/** `recentOutput(limit)`: absent, or a non-negative integer. */
export function checkLimit(instanceId: string, value: unknown): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || (value as number) < 0) {
    fail(instanceId, 'limit', 'a non-negative integer', value);
  }
}

/** `statsStream({ intervalMs })`: absent (1000), or a whole number of ms a timer can wait. */
export function checkInterval(instanceId: string, value: unknown): number {
  if (value === undefined) return 1000;
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > MAX_TIMER_MS) {
    fail(instanceId, 'intervalMs', `an integer from 1 to ${MAX_TIMER_MS}`, value);
  }
  return value as number;
}

/**
 * `waitFor(…, { timeoutMs })`: absent or `Infinity` (no timeout), or an integer from 0 to
 * 2147483647 (what a timer can wait). Returns undefined for "no timeout".
 */
export function checkTimeout(instanceId: string, value: unknown): number | undefined {
  if (value === undefined || value === Number.POSITIVE_INFINITY) return undefined;
  if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > MAX_TIMER_MS) {
    fail(instanceId, 'timeoutMs', `an integer from 0 to ${MAX_TIMER_MS}, or Infinity`, value);
  }
  return value as number;
}
