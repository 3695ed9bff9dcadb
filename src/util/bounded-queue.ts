import { abortError } from './abort.js';
/** Options of a {@link BoundedQueue}. */
export interface BoundedQueueOptions {
  /** Items kept for a consumer that has not caught up; the oldest are dropped beyond it. */
  capacity: number;
  /** Ends iteration when aborted: the consumer's next `next()` rejects with an AbortError. */
  signal?: AbortSignal | undefined;
  /** Called exactly once when the queue ends, for whatever reason (break, abort, close). */
  onClose?: (() => void) | undefined;
}

/**
 * A push-based async iterator with a bounded buffer: the producer never waits, a slow consumer
 * loses the oldest items first (and never the newest), and `break`, `return()` or an abort end it
 * and run `onClose` so the producer can unsubscribe. One queue per consumer.
 */
export class BoundedQueue<T> implements AsyncIterableIterator<T> {
  #items: (T | undefined)[] = [];
  #head = 0;
  #waiter: ((result: IteratorResult<T, undefined>) => void) | undefined;
  #closed = false;
  #dropped = 0;
  #rejectWaiter: ((error: Error) => void) | undefined;
  readonly #capacity: number;
  readonly #onClose: (() => void) | undefined;
  readonly #signal: AbortSignal | undefined;
  readonly #onAbort = (): void => this.#abort();
  // Set by an abort: the next next() rejects with it once (as `events.on()` does), then done.
  #aborted: Error | undefined;

  constructor(options: BoundedQueueOptions) {
    this.#capacity = Math.max(1, options.capacity);
    this.#onClose = options.onClose;
    this.#signal = options.signal;
    if (this.#signal?.aborted) {
      // Born closed: nothing was subscribed yet, so there is nothing for onClose to undo.
      this.#closed = true;
      this.#aborted = abortError(this.#signal);
    } else {
      this.#signal?.addEventListener('abort', this.#onAbort, { once: true });
    }
  }

  /** How many items a slow consumer has lost so far. */
  get dropped(): number {
    return this.#dropped;
  }

  /** True once the queue has ended. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Hands an item to the consumer, or buffers it; never blocks. Ignored once closed. */
  push(item: T): void {
    if (this.#closed) return;
    const waiter = this.#waiter;
    if (waiter !== undefined) {
      this.#waiter = undefined;
      waiter({ value: item, done: false });
      return;
    }
    this.#items.push(item);
    if (this.#items.length - this.#head > this.#capacity) {
      this.#items[this.#head] = undefined;
      this.#head += 1;
      this.#dropped += 1;
    }
    // Compact now and then so the array does not grow with the number of items ever pushed.
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
  }

  /** Ends the queue: buffered items are still delivered, then iteration completes. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#signal?.removeEventListener('abort', this.#onAbort);
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.({ value: undefined, done: true });
    this.#onClose?.();
  }

  next(): Promise<IteratorResult<T, undefined>> {
    const aborted = this.#aborted;
    if (aborted !== undefined) {
      this.#aborted = undefined;
      return Promise.reject(aborted);
    }
    if (this.#head < this.#items.length) {
      const value = this.#items[this.#head] as T;
      this.#items[this.#head] = undefined;
      this.#head += 1;
      if (this.#head === this.#items.length) {
        this.#items = [];
        this.#head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.#closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.#waiter = resolve;
      this.#rejectWaiter = reject;
    });
  }

  /** An abort: buffered items are dropped and the consumer gets an AbortError. */
  #abort(): void {
    const error = abortError(this.#signal as AbortSignal);
    this.#items = [];
    this.#head = 0;
    const reject = this.#waiter === undefined ? undefined : this.#rejectWaiter;
    this.#waiter = undefined;
    if (reject === undefined) this.#aborted = error;
    this.close();
    reject?.(error);
  }

  return(): Promise<IteratorResult<T, undefined>> {
    this.#items = [];
    this.#head = 0;
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
