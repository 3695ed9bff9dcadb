import { GamewardError } from '../errors.js';

/** The reason to reject with when `signal` aborted: its own reason when it is an Error. */
export function abortError(signal: AbortSignal, instanceId?: string): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name !== 'AbortError') return reason;
  return new GamewardError(
    'ERR_ABORTED',
    `Instance ${JSON.stringify(instanceId ?? '?')}: aborted`,
    {
      instanceId,
      cause: reason,
    },
  );
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
