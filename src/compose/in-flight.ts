/** Promises still running, each forgotten once it settles: what a close or a kill waits for. */
export class InFlight {
  readonly #running = new Set<Promise<unknown>>();

  get size(): number {
    return this.#running.size;
  }

  /** Remembers `promise` until it settles, and returns it. */
  track<T>(promise: Promise<T>): Promise<T> {
    this.#running.add(promise);
    promise
      .catch(() => undefined)
      .finally(() => {
        this.#running.delete(promise);
      });
    return promise;
  }

  /** Resolves (never rejects) once every promise tracked so far has settled. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.#running]);
  }
}
