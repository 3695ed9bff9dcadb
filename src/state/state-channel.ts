import { checkTimeout } from '../core/arguments.js';
import { describeGot, GamewardError } from '../errors.js';
import { abortError } from '../util/abort.js';
import { BoundedQueue } from '../util/bounded-queue.js';
import { type InstanceState, type StateLabel, sameState, stateLabels } from './instance-state.js';
import { assertTransition } from './transitions.js';

/** How many states a slow `states()` consumer may fall behind before the oldest are dropped. */
export const DEFAULT_STATE_BUFFER = 1024;

/** Options of `states()`. */
export interface StatesOptions {
  /** Ends the iteration when aborted. */
  signal?: AbortSignal | undefined;
  /** States buffered for a slow consumer before the oldest are dropped (default 1024). */
  bufferSize?: number | undefined;
}

/** Options of `waitFor()`. */
export interface WaitForOptions {
  /** Rejects `ERR_TIMEOUT` after this many milliseconds (0 to 2147483647, or Infinity). */
  timeoutMs?: number | undefined;
  /** Rejects with the abort reason (`ERR_ABORTED` by default) when aborted. */
  signal?: AbortSignal | undefined;
}

/** What `waitFor()` waits for: a label, or a predicate over the state. */
export type StatePredicate = StateLabel | ((state: InstanceState) => boolean);

/**
 * Holds one instance's current state and fans every transition out to listeners and iterators.
 * The single place where the transition table is enforced and duplicates are suppressed.
 */
export class StateChannel {
  #current: InstanceState;
  readonly #instanceId: string;
  readonly #queues = new Set<BoundedQueue<InstanceState>>();
  readonly #waiters = new Set<(state: InstanceState | undefined) => void>();
  readonly #onChange: (next: InstanceState, previous: InstanceState) => void;
  readonly #pending: [InstanceState, InstanceState][] = [];
  #dispatching = false;
  #closed = false;

  constructor(
    initial: InstanceState,
    instanceId: string,
    onChange: (next: InstanceState, previous: InstanceState) => void,
  ) {
    this.#current = initial;
    this.#instanceId = instanceId;
    this.#onChange = onChange;
  }

  get current(): InstanceState {
    return this.#current;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Moves to `next`. Returns false (and does nothing) when `next` equals the current state. */
  set(next: InstanceState): boolean {
    const previous = this.#current;
    if (sameState(previous, next)) return false;
    assertTransition(previous, next, this.#instanceId);
    this.#current = next;
    for (const queue of this.#queues) queue.push(next);
    for (const waiter of [...this.#waiters]) waiter(next);
    this.#pending.push([next, previous]);
    // A listener that changes the state again (kill() from a 'stopping' listener) must not make
    // the listeners after it see the newer state before the older one: deliver in order.
    if (!this.#dispatching) this.#dispatch();
    return true;
  }

  #dispatch(): void {
    this.#dispatching = true;
    try {
      for (let change = this.#pending.shift(); change; change = this.#pending.shift()) {
        this.#onChange(change[0], change[1]);
      }
    } finally {
      this.#dispatching = false;
    }
  }

  /** A fresh iterator: the current state first, then every transition in order. */
  subscribe(options: StatesOptions = {}): AsyncIterableIterator<InstanceState> {
    const queue: BoundedQueue<InstanceState> = new BoundedQueue<InstanceState>({
      capacity: options.bufferSize ?? DEFAULT_STATE_BUFFER,
      signal: options.signal,
      onClose: () => this.#queues.delete(queue),
    });
    if (queue.closed) return queue;
    queue.push(this.#current);
    if (this.#closed) {
      queue.close();
    } else {
      this.#queues.add(queue);
    }
    return queue;
  }

  /** Resolves with the first state (the current one included) that satisfies `predicate`. */
  waitFor(predicate: StatePredicate, options: WaitForOptions = {}): Promise<InstanceState> {
    try {
      return this.#waitFor(predicate, options);
    } catch (error) {
      // A bad argument or a throwing predicate rejects; waitFor never throws synchronously.
      return Promise.reject(error);
    }
  }

  #waitFor(predicate: StatePredicate, options: WaitForOptions): Promise<InstanceState> {
    if (typeof predicate !== 'function' && !stateLabels.includes(predicate)) {
      throw new GamewardError(
        'ERR_INVALID_ARGUMENT',
        `expected the target to be a state label or a predicate, got ${describeGot(predicate)}`,
        { instanceId: this.#instanceId },
      );
    }
    const test =
      typeof predicate === 'function' ? predicate : (s: InstanceState) => s.state === predicate;
    const { signal } = options;
    const timeoutMs = checkTimeout(this.#instanceId, options.timeoutMs);
    if (test(this.#current)) return Promise.resolve(this.#current);
    if (signal?.aborted) return Promise.reject(abortError(signal, this.#instanceId));
    if (this.#closed) return Promise.reject(this.#disposedError());
    const what = typeof predicate === 'function' ? 'a matching state' : `"${predicate}"`;
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const cleanup = (): void => {
        this.#waiters.delete(waiter);
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter = (state: InstanceState | undefined): void => {
        if (state === undefined) {
          cleanup();
          reject(this.#disposedError());
          return;
        }
        let matched: boolean;
        try {
          matched = test(state);
        } catch (error) {
          cleanup();
          reject(error);
          return;
        }
        if (matched) {
          cleanup();
          resolve(state);
        }
      };
      const onAbort = (): void => {
        cleanup();
        reject(abortError(signal as AbortSignal, this.#instanceId));
      };
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          cleanup();
          reject(
            new GamewardError(
              'ERR_TIMEOUT',
              `Instance ${JSON.stringify(this.#instanceId)}: timed out after ${timeoutMs} ms waiting for ${what} (state is "${this.#current.state}")`,
              { instanceId: this.#instanceId },
            ),
          );
        }, timeoutMs);
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.add(waiter);
    });
  }

  /** Ends every iterator (after what it has buffered) and rejects every waiter. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const queue of [...this.#queues]) queue.close();
    for (const waiter of [...this.#waiters]) waiter(undefined);
  }

  #disposedError(): GamewardError {
    return new GamewardError(
      'ERR_DISPOSED',
      `Instance ${JSON.stringify(this.#instanceId)} has been disposed`,
      { instanceId: this.#instanceId },
    );
  }
}
