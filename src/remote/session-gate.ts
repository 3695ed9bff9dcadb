import { abortError } from '../util/abort.js';

/**
 * Bounds the session channels open at once on one connection. OpenSSH's sshd refuses a
 * connection's session channel beyond `MaxSessions` (default 10); queueing here turns that
 * refusal into a short wait. Forwarded sockets are not sessions and do not pass through it.
 */
export class SessionGate {
  #open = 0;
  readonly #waiters: Array<() => void> = [];

  constructor(readonly limit: number) {}

  /** Resolves with a release function once a slot is free; rejects when `signal` aborts first. */
  acquire(signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) return Promise.reject(abortError(signal));
    if (this.#open < this.limit) return Promise.resolve(this.#take());
    return new Promise((resolve, reject) => {
      const grant = (): void => {
        signal.removeEventListener('abort', onAbort);
        resolve(this.#take());
      };
      const onAbort = (): void => {
        const index = this.#waiters.indexOf(grant);
        if (index >= 0) this.#waiters.splice(index, 1);
        reject(abortError(signal));
      };
      this.#waiters.push(grant);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  get open(): number {
    return this.#open;
  }

  #take(): () => void {
    this.#open++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#open--;
      this.#waiters.shift()?.();
    };
  }
}

/** Exponential backoff with ±20 % jitter: attempt 0 waits `initialMs`, capped at `maxMs`. */
export function backoffDelay(attempt: number, initialMs: number, maxMs: number): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}
