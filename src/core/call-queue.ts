/** A lifecycle call not yet settled; kill() marks the oldest one as cut short. */
export interface PendingCall {
  killed?: Error;
}

/**
 * Runs lifecycle operations one at a time, in call order. The operation in flight gets an
 * AbortSignal that {@link preempt} aborts (kill, dispose and a user's AbortSignal use it).
 */
export class CallQueue {
  #tail: Promise<unknown> = Promise.resolve();
  #operation: AbortController | undefined;
  readonly #calls = new Set<PendingCall>();

  /** True while an operation runs. */
  get busy(): boolean {
    return this.#operation !== undefined;
  }

  /** The oldest call not yet settled (the one in flight, or the next to begin). */
  get oldest(): PendingCall | undefined {
    const [first] = this.#calls;
    return first;
  }

  /**
   * Queues `operation`; `before` runs when its turn comes, before it gets a signal (it may
   * throw to skip the operation). The result never counts as an unhandled rejection.
   */
  run<T>(
    call: PendingCall,
    before: () => Promise<void> | void,
    operation: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    this.#calls.add(call);
    const turn = async (): Promise<T> => {
      await before();
      const controller = new AbortController();
      this.#operation = controller;
      try {
        return await operation(controller.signal);
      } finally {
        if (this.#operation === controller) this.#operation = undefined;
      }
    };
    const result = this.#tail.then(turn, turn).finally(() => this.#calls.delete(call));
    this.#tail = result.catch(() => undefined);
    result.catch(() => undefined);
    return result;
  }

  /** Aborts the operation in flight, if any, with `reason`. */
  preempt(reason: Error): void {
    this.#operation?.abort(reason);
  }

  /** Resolves once every operation queued so far has settled. */
  settled(): Promise<void> {
    return this.#tail.then(() => undefined);
  }
}
