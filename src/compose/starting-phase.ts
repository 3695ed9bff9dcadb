import { abortError } from '../util/abort.js';

/**
 * One stay in `starting`: armed once the containers are known, done when every selected
 * container runs healthy and (with readiness) a log line matched. Bounded by a timer; `wait()`
 * settles with the outcome for the start() that awaits it, if any.
 */
export class StartingPhase {
  /** Set once a snapshot after `up` said which containers there are and their healthchecks. */
  armed = false;
  /** True when no readiness line is needed, or once one was seen. */
  lineSeen: boolean;
  /** Containers already re-inspected for an unknown healthcheck during this phase. */
  readonly inspected = new Set<string>();
  readonly #promise: Promise<void>;
  #resolve!: () => void;
  #reject!: (error: Error) => void;
  #timer: NodeJS.Timeout | undefined;
  #settled = false;

  constructor(needsLine: boolean, timeoutMs: number, onTimeout: () => Error) {
    this.lineSeen = !needsLine;
    this.#promise = new Promise<void>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // Nobody awaits a phase that a restart policy began; its outcome must not go unhandled.
    this.#promise.catch(() => undefined);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (!this.#settled) this.fail(onTimeout());
    }, timeoutMs);
  }

  get settled(): boolean {
    return this.#settled;
  }

  /** The stack reached `running`. */
  succeed(): void {
    this.#finish();
    this.#resolve();
  }

  /** The start failed (a container died, the time ran out, it was cancelled). */
  fail(error: Error): void {
    this.#finish();
    this.#reject(error);
  }

  /** Resolves on success; rejects with the failure, or the abort reason when `signal` aborts. */
  wait(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(abortError(signal));
    return new Promise((resolve, reject) => {
      const onAbort = (): void => reject(abortError(signal));
      signal.addEventListener('abort', onAbort, { once: true });
      this.#promise
        .then(resolve, reject)
        .finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  #finish(): void {
    this.#settled = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
