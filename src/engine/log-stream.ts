import { LineSplitter } from '../console/line-splitter.js';
import type { EngineClient } from './client.js';
import { apiTime } from './events.js';

/** A container's log, followed. */
export interface LogFollow {
  /** Resolves once the stream ended (the container stopped, or stop()) and its last line was given. */
  readonly ended: Promise<void>;
  /** Ends the stream now. Idempotent. */
  stop(): void;
}

/** Options of {@link followLogs}. */
export interface FollowOptions {
  /** Lines from this moment on (ms since the epoch, engine clock); 0: the whole log. */
  readonly sinceMs: number;
  /** At most this many lines from before now (an adopted container's long log). */
  readonly tail?: number | undefined;
  readonly timeoutMs: number;
  readonly onLine: (text: string, stream: 'stdout' | 'stderr') => void;
  /** The stream failed (not its normal end): never a console line, only a diagnosis. */
  readonly onError: (error: Error) => void;
}

/**
 * Follows one container's log through the API (`/containers/{id}/logs?follow`), splitting it into
 * stdout and stderr lines. The engine ends the stream when the container stops. A failure of the
 * stream (an engine restart) goes to `onError`, never into the console.
 */
export function followLogs(client: EngineClient, id: string, options: FollowOptions): LogFollow {
  const abort = new AbortController();
  const query = {
    follow: true,
    stdout: true,
    stderr: true,
    ...(options.sinceMs > 0 ? { since: apiTime(options.sinceMs) } : {}),
    ...(options.tail === undefined ? {} : { tail: options.tail }),
  };
  const ended = client
    .stream(`/containers/${encodeURIComponent(id)}/logs`, query, {
      signal: abort.signal,
      timeoutMs: options.timeoutMs,
    })
    .then(
      (response) =>
        new Promise<void>((resolve) => {
          const demux = new Demultiplexer(options.onLine);
          response.on('data', (chunk: Buffer) => demux.push(chunk));
          response.on('error', (error: Error) => {
            if (!abort.signal.aborted) options.onError(error);
          });
          response.on('close', () => {
            demux.flush();
            resolve();
          });
          abort.signal.addEventListener('abort', () => response.destroy(), { once: true });
        }),
      (error: unknown) => {
        if (!abort.signal.aborted) options.onError(error as Error);
      },
    );
  return { ended, stop: () => abort.abort() };
}

const HEADER = 8;

/**
 * Splits the API's log stream into lines per stream. Without a TTY the engine multiplexes
 * stdout and stderr in frames (a byte for the stream, three zero bytes, a big-endian length);
 * with a TTY the stream is raw (all stdout). The first bytes tell which.
 */
export class Demultiplexer {
  readonly #out: LineSplitter;
  readonly #err: LineSplitter;
  #mode: 'unknown' | 'framed' | 'raw' = 'unknown';
  #pending: Buffer = Buffer.alloc(0);

  constructor(onLine: (text: string, stream: 'stdout' | 'stderr') => void) {
    this.#out = new LineSplitter((text) => onLine(text, 'stdout'));
    this.#err = new LineSplitter((text) => onLine(text, 'stderr'));
  }

  push(chunk: Buffer): void {
    if (this.#mode === 'raw') {
      this.#out.push(chunk);
      return;
    }
    this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    if (this.#mode === 'unknown') {
      if (this.#pending.length < 4) return;
      const p = this.#pending;
      const framed =
        (p[0] === 0 || p[0] === 1 || p[0] === 2) && p[1] === 0 && p[2] === 0 && p[3] === 0;
      this.#mode = framed ? 'framed' : 'raw';
      if (!framed) {
        this.#out.push(p);
        this.#pending = Buffer.alloc(0);
        return;
      }
    }
    this.#frames();
  }

  flush(): void {
    if (this.#mode !== 'framed' && this.#pending.length > 0) this.#out.push(this.#pending);
    this.#pending = Buffer.alloc(0);
    this.#out.flush();
    this.#err.flush();
  }

  #frames(): void {
    let offset = 0;
    const p = this.#pending;
    while (p.length - offset >= HEADER) {
      const size = p.readUInt32BE(offset + 4);
      if (p.length - offset - HEADER < size) break;
      const body = p.subarray(offset + HEADER, offset + HEADER + size);
      (p[offset] === 2 ? this.#err : this.#out).push(body);
      offset += HEADER + size;
    }
    this.#pending = offset === 0 ? p : p.subarray(offset);
  }
}
