import type { OutputLine, OutputOptions } from '../supervisor.js';
import { BoundedQueue } from '../util/bounded-queue.js';
import { OutputRing } from './output-ring.js';

/** Default console lines kept for replay (`recentOutput()`). */
export const DEFAULT_OUTPUT_BUFFER_LINES = 1000;
/** Default console lines a slow `output()` consumer may fall behind. */
export const DEFAULT_OUTPUT_ITERATOR_BUFFER = 10_000;

/**
 * Where every console line goes: the replay ring, each live `output()` iterator, and the `output`
 * event. Memory stays bounded whatever the server writes.
 */
export class OutputHub {
  readonly #ring: OutputRing;
  readonly #queues = new Set<BoundedQueue<OutputLine>>();
  readonly #emit: (line: OutputLine) => void;
  #closed = false;

  constructor(bufferLines: number, emit: (line: OutputLine) => void) {
    this.#ring = new OutputRing(bufferLines);
    this.#emit = emit;
  }

  publish(line: OutputLine): void {
    if (this.#closed) return;
    this.#ring.push(line);
    // The hot path (nobody iterating) allocates no Set iterator per line.
    if (this.#queues.size > 0) for (const queue of this.#queues) queue.push(line);
    this.#emit(line);
  }

  recent(limit?: number): OutputLine[] {
    return this.#ring.newest(limit);
  }

  subscribe(options: OutputOptions = {}): AsyncIterableIterator<OutputLine> {
    const queue: BoundedQueue<OutputLine> = new BoundedQueue<OutputLine>({
      capacity: options.bufferSize ?? DEFAULT_OUTPUT_ITERATOR_BUFFER,
      signal: options.signal,
      onClose: () => this.#queues.delete(queue),
    });
    if (this.#closed) queue.close();
    else if (!queue.closed) this.#queues.add(queue);
    return queue;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const queue of [...this.#queues]) queue.close();
  }
}
