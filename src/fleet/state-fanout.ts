import type { InstanceState } from '../state/instance-state.js';
import { DEFAULT_STATE_BUFFER } from '../state/state-channel.js';
import { BoundedQueue } from '../util/bounded-queue.js';

/** One item of {@link Fleet.states}: which instance, and the state it entered. */
export interface FleetStateEvent {
  readonly instanceId: string;
  readonly state: InstanceState;
}

/** Options of {@link Fleet.states}. */
export interface FleetStatesOptions {
  /** Ends the iteration when aborted. */
  signal?: AbortSignal | undefined;
  /**
   * Events buffered for a slow consumer before the oldest are dropped (default 1024, as for one
   * supervisor's `states()`). The producer never waits for a consumer.
   */
  bufferSize?: number | undefined;
}

/** Fans the transitions of every instance out to each open `Fleet.states()` iterator. */
export class StateFanout {
  readonly #queues = new Set<BoundedQueue<FleetStateEvent>>();
  #closed = false;

  /** A fresh iterator that yields `initial` first, then everything published. */
  subscribe(
    initial: readonly FleetStateEvent[],
    options: FleetStatesOptions = {},
  ): AsyncIterableIterator<FleetStateEvent> {
    const queue: BoundedQueue<FleetStateEvent> = new BoundedQueue<FleetStateEvent>({
      capacity: options.bufferSize ?? DEFAULT_STATE_BUFFER,
      signal: options.signal,
      onClose: () => this.#queues.delete(queue),
    });
    if (queue.closed) return queue;
    for (const event of initial) queue.push(event);
    if (this.#closed) {
      queue.close();
    } else {
      this.#queues.add(queue);
    }
    return queue;
  }

  publish(event: FleetStateEvent): void {
    for (const queue of this.#queues) queue.push(event);
  }

  /** How many iterators are open (tests use it to prove `break` unsubscribes). */
  get size(): number {
    return this.#queues.size;
  }

  /** Ends every iterator after what it has buffered. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const queue of [...this.#queues]) queue.close();
  }
}
