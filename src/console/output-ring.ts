import type { OutputLine } from '../supervisor.js';

/** A fixed-size ring of the newest output lines. */
export class OutputRing {
  readonly #lines: (OutputLine | undefined)[];
  #next = 0;
  #size = 0;

  constructor(readonly capacity: number) {
    this.#lines = new Array<OutputLine | undefined>(Math.max(0, capacity));
  }

  push(line: OutputLine): void {
    if (this.capacity === 0) return;
    this.#lines[this.#next] = line;
    this.#next = (this.#next + 1) % this.capacity;
    if (this.#size < this.capacity) this.#size += 1;
  }

  /** The newest `limit` lines (all by default), oldest first. */
  newest(limit = this.#size): OutputLine[] {
    const n = Math.max(0, Math.min(Math.floor(limit), this.#size));
    const out: OutputLine[] = new Array(n);
    const start = (this.#next - n + this.capacity) % Math.max(1, this.capacity);
    for (let i = 0; i < n; i += 1) {
      out[i] = this.#lines[(start + i) % this.capacity] as OutputLine;
    }
    return out;
  }

  clear(): void {
    this.#lines.fill(undefined);
    this.#next = 0;
    this.#size = 0;
  }
}
