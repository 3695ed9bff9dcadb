import type { OutputLine } from '../supervisor.js';

/**
 * A ring of the newest output lines. Its array grows as lines arrive, up to `capacity`, so an
 * instance that prints little holds little (a fleet of 1000 quiet servers would otherwise
 * reserve 1000 slots each up front).
 */
export class OutputRing {
  readonly #lines: OutputLine[] = [];
  #next = 0;

  constructor(readonly capacity: number) {}

  push(line: OutputLine): void {
    if (this.capacity <= 0) return;
    if (this.#lines.length < this.capacity) {
      this.#lines.push(line);
      return;
    }
    this.#lines[this.#next] = line;
    this.#next = this.#next + 1 === this.capacity ? 0 : this.#next + 1;
  }

  /** The newest `limit` lines (all by default), oldest first. */
  newest(limit = this.#lines.length): OutputLine[] {
    const size = this.#lines.length;
    const n = Math.max(0, Math.min(Math.floor(limit), size));
    const out: OutputLine[] = new Array(n);
    // Until the ring is full, #next stays 0 and the oldest line is at index 0.
    const start = (this.#next - n + size) % Math.max(1, size);
    for (let i = 0; i < n; i += 1) {
      out[i] = this.#lines[(start + i) % size] as OutputLine;
    }
    return out;
  }

  clear(): void {
    this.#lines.length = 0;
    this.#next = 0;
  }
}
