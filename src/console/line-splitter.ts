import { StringDecoder } from 'node:string_decoder';

/** Longest console line kept whole, in characters; longer lines are emitted in pieces this long. */
export const MAX_LINE_LENGTH = 64 * 1024;

const LF = 10;

/** Options of {@link LineSplitter}. */
export interface LineSplitterOptions {
  /** Longest line emitted whole, in characters (default {@link MAX_LINE_LENGTH}). */
  readonly maxLineLength?: number;
}

/**
 * Turns a byte stream into lines: UTF-8 safe across chunk boundaries; `\n`, `\r\n` and a lone `\r`
 * each end a line; memory never exceeds `maxLineLength` characters whatever the stream holds.
 */
export class LineSplitter {
  readonly #onLine: (text: string) => void;
  readonly #max: number;
  // Made on the first chunk: a fleet of quiet servers holds no decoders.
  #decoder: StringDecoder | undefined;
  #partial = '';
  // The previous chunk ended in `\r`: a `\n` opening the next one belongs to that line end.
  #afterCR = false;

  constructor(onLine: (text: string) => void, options: LineSplitterOptions = {}) {
    const max = options.maxLineLength ?? MAX_LINE_LENGTH;
    if (!Number.isInteger(max) || max < 2) {
      throw new RangeError(`maxLineLength must be an integer >= 2, got ${max}`);
    }
    this.#onLine = onLine;
    this.#max = max;
  }

  push(chunk: Buffer | string): void {
    if (typeof chunk !== 'string') {
      this.#decoder ??= new StringDecoder('utf8');
      chunk = this.#decoder.write(chunk);
    }
    if (chunk.length > 0) this.#consume(chunk);
  }

  /** Emits the trailing partial line, if any (call at stream end). */
  flush(): void {
    const rest = this.#decoder?.end() ?? '';
    if (rest.length > 0) this.#consume(rest);
    this.#afterCR = false;
    if (this.#partial.length > 0) {
      const line = this.#partial;
      this.#partial = '';
      this.#onLine(line);
    }
  }

  #consume(text: string): void {
    let start = 0;
    if (this.#afterCR) {
      this.#afterCR = false;
      if (text.charCodeAt(0) === LF) start = 1;
    }
    // Each search result is reused until passed, so text without `\r` is scanned once, not per line.
    let lf = text.indexOf('\n', start);
    let cr = text.indexOf('\r', start);
    while (lf !== -1 || cr !== -1) {
      if (lf !== -1 && lf < start) lf = text.indexOf('\n', start);
      if (cr !== -1 && cr < start) cr = text.indexOf('\r', start);
      const end = lf === -1 ? cr : cr === -1 ? lf : Math.min(lf, cr);
      if (end === -1) break;
      this.#emitLine(text, start, end);
      start = end + 1;
      if (end === cr) {
        const next = text.charCodeAt(start);
        if (next === LF) start++;
        else if (start === text.length) this.#afterCR = true;
      }
    }
    if (start < text.length) this.#keep(text, start);
  }

  /** Emits `#partial + text[start, end)` as one line, in pieces when it is too long. */
  #emitLine(text: string, start: number, end: number): void {
    if (this.#partial.length === 0 && end - start <= this.#max) {
      this.#onLine(text.slice(start, end));
      return;
    }
    let line = this.#partial + text.slice(start, end);
    this.#partial = '';
    while (line.length > this.#max) {
      const cut = this.#cutAt(line);
      this.#onLine(line.slice(0, cut));
      line = line.slice(cut);
    }
    this.#onLine(line);
  }

  /** Buffers an unterminated tail, emitting full pieces so at most `max` characters stay. */
  #keep(text: string, start: number): void {
    let rest = this.#partial.length === 0 ? text.slice(start) : this.#partial + text.slice(start);
    while (rest.length > this.#max) {
      const cut = this.#cutAt(rest);
      this.#onLine(rest.slice(0, cut));
      rest = rest.slice(cut);
    }
    this.#partial = rest;
  }

  /** Where to cut a too-long line: `max`, or one earlier so a surrogate pair stays whole. */
  #cutAt(line: string): number {
    const code = line.charCodeAt(this.#max - 1);
    return code >= 0xd800 && code <= 0xdbff ? this.#max - 1 : this.#max;
  }
}
