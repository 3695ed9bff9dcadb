import { abortError } from '../util/abort.js';

/**
 * How many compose CLI commands run at once in one host process, over every instance. Each is
 * about three processes (docker, its compose plugin, threads) and 50–120 ms of CPU: a burst of 20
 * starts, or a fleet re-starting together, queues here instead of saturating the machine. The
 * Engine API calls (observation) are not limited: they cost no process.
 */
export const COMPOSE_CLI_CONCURRENCY = 4;

/** A counting semaphore whose waiters can be cancelled. */
export class Limit {
  readonly #max: number;
  #running = 0;
  readonly #queue: { grant(): void }[] = [];

  constructor(max: number) {
    this.#max = max;
  }

  /** Commands running now and waiting (for tests and metrics). */
  get load(): { running: number; waiting: number } {
    return { running: this.#running, waiting: this.#queue.length };
  }

  /** Runs `task` once a slot is free; a `signal` aborted while waiting rejects without running. */
  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.#acquire(signal);
    try {
      return await task();
    } finally {
      this.#release();
    }
  }

  #acquire(signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted === true) return Promise.reject(abortError(signal));
    if (this.#running < this.#max) {
      this.#running += 1;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          this.#running += 1;
          resolve();
        },
      };
      const onAbort = (): void => {
        const at = this.#queue.indexOf(waiter);
        if (at !== -1) this.#queue.splice(at, 1);
        reject(abortError(signal as AbortSignal));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(waiter);
    });
  }

  #release(): void {
    this.#running -= 1;
    this.#queue.shift()?.grant();
  }
}

/** The host-wide limit every compose instance's commands go through. */
export const composeCliLimit = new Limit(COMPOSE_CLI_CONCURRENCY);
