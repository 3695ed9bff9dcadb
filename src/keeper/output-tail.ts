import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { LineSplitter } from '../console/line-splitter.js';
import { type KeptStream, segmentIndexOf, segmentPath } from './layout.js';
import type { StreamCursor } from './records.js';

const CHUNK_BYTES = 256 * 1024;
const LF = 0x0a;

/** Bytes of a stream that the cap dropped before a host read them. */
export interface DroppedOutput {
  readonly stream: KeptStream;
  readonly droppedBytes: number;
}

/** What a {@link StreamTail} reports to. */
export interface TailSink {
  /** `time`: when the chunk holding the line was read (one Date per chunk, shared). */
  line(stream: KeptStream, text: string, replayed: boolean, time: Date): void;
  dropped(info: DroppedOutput): void;
  /** The cursor moved past more whole lines (already delivered): persist it now. */
  committed?(): void;
}

/**
 * Follows one stream's segment files from a cursor. Segment n is complete once n+1 exists (split
 * closes n before it opens n+1), so the tail reads n to its end, then moves on. A segment already
 * deleted by the cap is reported as dropped bytes and skipped. Only the host ever calls this;
 * it never blocks: regular-file reads return what is there.
 */
export class StreamTail {
  readonly #dir: string;
  readonly #stream: KeptStream;
  readonly #segmentBytes: number;
  readonly #sink: TailSink;
  readonly #splitter: LineSplitter;
  readonly #buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  #segment: number;
  #offset: number;
  #fd: number | undefined;
  #committed: StreamCursor;
  // End of what was on disk when the tail was made: lines ending before it are replays.
  #replayMark: StreamCursor | undefined;
  #replaying = false;
  #readAt = new Date();

  constructor(
    dir: string,
    stream: KeptStream,
    from: StreamCursor,
    segmentBytes: number,
    sink: TailSink,
    replay = false,
  ) {
    this.#dir = dir;
    this.#stream = stream;
    this.#segmentBytes = segmentBytes;
    this.#sink = sink;
    this.#segment = from.segment;
    this.#offset = from.offset;
    this.#committed = from;
    this.#splitter = new LineSplitter((text) =>
      sink.line(stream, text, this.#replaying, this.#readAt),
    );
    if (replay) this.#replayMark = this.#endOnDisk();
  }

  /** Where the next host should start: just after the last whole line delivered. */
  get cursor(): StreamCursor {
    return this.#committed;
  }

  /** Reads and delivers what is on disk now, at most `budget` bytes; returns the bytes read. */
  pump(budget: number): number {
    let total = 0;
    while (total < budget) {
      if (this.#fd === undefined && !this.#open()) return total;
      const fd = this.#fd as number;
      const n = readSync(fd, this.#buffer, 0, CHUNK_BYTES, this.#offset);
      if (n > 0) {
        this.#deliver(n);
        total += n;
        continue;
      }
      // End of this segment for now: final only if the next one exists (checked before re-reading).
      if (!existsSync(segmentPath(this.#dir, this.#stream, this.#segment + 1))) return total;
      if (readSync(fd, this.#buffer, 0, CHUNK_BYTES, this.#offset) > 0) continue;
      closeSync(fd);
      this.#fd = undefined;
      this.#segment += 1;
      this.#offset = 0;
    }
    return total;
  }

  /** Delivers a trailing line without a newline (call once the stream has ended). */
  flush(): void {
    this.#splitter.flush();
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }

  #deliver(n: number): void {
    const chunk = this.#buffer.subarray(0, n);
    const lastLf = chunk.lastIndexOf(LF);
    const start = this.#offset;
    this.#offset += n;
    this.#readAt = new Date();
    const replayBytes = this.#replayBytes(start, n);
    if (replayBytes > 0) {
      this.#replaying = true;
      this.#splitter.push(chunk.subarray(0, replayBytes));
      this.#replaying = false;
    }
    if (replayBytes < n) this.#splitter.push(chunk.subarray(replayBytes));
    if (lastLf !== -1) {
      this.#committed = { segment: this.#segment, offset: this.#offset - n + lastLf + 1 };
      // Right after the lines went out: a host killed in between replays them once more
      // (at least once), never loses them.
      this.#sink.committed?.();
    }
  }

  /** How many of the `n` bytes read at `start` were on disk before the tail began. */
  #replayBytes(start: number, n: number): number {
    const mark = this.#replayMark;
    if (mark === undefined) return 0;
    if (this.#segment < mark.segment) return n;
    if (this.#segment > mark.segment || start >= mark.offset) {
      this.#replayMark = undefined;
      return 0;
    }
    return Math.min(n, mark.offset - start);
  }

  /** The newest segment and its size now. */
  #endOnDisk(): StreamCursor | undefined {
    let newest: number | undefined;
    try {
      for (const name of readdirSync(this.#dir)) {
        const index = segmentIndexOf(name, this.#stream);
        if (index !== undefined && (newest === undefined || index > newest)) newest = index;
      }
      if (newest === undefined) return undefined;
      return {
        segment: newest,
        offset: statSync(segmentPath(this.#dir, this.#stream, newest)).size,
      };
    } catch {
      return undefined;
    }
  }

  /** Opens the current segment, skipping to the oldest retained one when the cap dropped it. */
  #open(): boolean {
    try {
      this.#fd = openSync(segmentPath(this.#dir, this.#stream, this.#segment), 'r');
      return true;
    } catch {
      // Not written yet, or dropped by the cap: look at what is there.
    }
    const oldest = this.#oldestRetained();
    if (oldest === undefined || oldest <= this.#segment) return false;
    const droppedBytes = (oldest - this.#segment) * this.#segmentBytes - this.#offset;
    this.#sink.dropped({ stream: this.#stream, droppedBytes });
    // A line cut by the drop cannot be completed: end it where the kept bytes end.
    this.#splitter.flush();
    this.#segment = oldest;
    this.#offset = 0;
    this.#committed = { segment: oldest, offset: 0 };
    return this.#open();
  }

  #oldestRetained(): number | undefined {
    let oldest: number | undefined;
    let names: string[];
    try {
      names = readdirSync(this.#dir);
    } catch {
      // The folder was removed under us: nothing more to read.
      return undefined;
    }
    for (const name of names) {
      const index = segmentIndexOf(name, this.#stream);
      if (index !== undefined && (oldest === undefined || index < oldest)) oldest = index;
    }
    return oldest;
  }
}
