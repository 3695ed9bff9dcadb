import { GamewardError } from '../errors.js';

/**
 * The error an aborted call rejects with. A reason that is already a GamewardError (kill's
 * `ERR_KILLED`, dispose's `ERR_DISPOSED`, a timeout) is kept as it is; anything else (a user's
 * `controller.abort()`) becomes an `ERR_ABORTED` whose `name` is `'AbortError'`, as Node users
 * expect, with the reason as `cause`.
 */
export function abortError(signal: AbortSignal, instanceId?: string): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof GamewardError) return reason;
  return new GamewardError('ERR_ABORTED', 'the operation was aborted', {
    instanceId,
    cause: reason,
  });
}

/** True when `error` came from a user's AbortSignal (not from kill or dispose). */
export function isUserAbort(error: unknown): boolean {
  return error instanceof GamewardError && error.code === 'ERR_ABORTED';
}

/**
 * Settles with `promise`, or rejects with {@link abortError} as soon as `signal` aborts (or at
 * once if it has). `promise` keeps running either way and never counts as unhandled.
 */
export function raceAbort<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  instanceId?: string,
): Promise<T> {
  promise.catch(() => undefined);
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(abortError(signal, instanceId));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortError(signal, instanceId));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Resolves after `ms`, or rejects early when `signal` aborts. Leaves no timer behind either way. */
export function delay(ms: number, signal?: AbortSignal, instanceId?: string): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortError(signal, instanceId));
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError(signal as AbortSignal, instanceId));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Resolves once `promise` settles or `ms` passed, whichever is first; never rejects. */
export async function settleWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  await Promise.race([promise.then(noop, noop), limit]);
  clearTimeout(timer);
}

function noop(): void {}
