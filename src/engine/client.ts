import { Agent as HttpAgent, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import DockerModem from 'docker-modem';
import type { EngineAddress } from './address.js';

/** How long one Engine API call may take before the engine counts as unavailable. */
export const DEFAULT_ENGINE_TIMEOUT_MS = 10_000;

/**
 * Idle keep-alive connections kept per engine. A burst (a hundred stacks starting together) opens
 * many; keeping them all would hold an fd and some heap each for nothing.
 */
const MAX_FREE_SOCKETS = 4;

/** Bounds of one call: the caller's signal cancels it, `timeoutMs` bounds it. */
export interface CallOptions {
  readonly signal?: AbortSignal | undefined;
  readonly timeoutMs: number;
}

/**
 * Why an Engine API call failed: `unavailable` (no connection, no answer within the bound, the
 * connection dropped), `not-found` (HTTP 404) or `failed` (any other refusal by the engine).
 * `aborted` is set when the caller's signal ended the call.
 */
export class EngineError extends Error {
  override readonly name = 'EngineError';
  readonly kind: 'unavailable' | 'not-found' | 'failed';
  readonly statusCode: number | undefined;
  constructor(kind: EngineError['kind'], message: string, cause: unknown, statusCode?: number) {
    super(message, { cause });
    this.kind = kind;
    this.statusCode = statusCode;
  }
}

type Query = Readonly<Record<string, unknown>>;

/**
 * A bounded, cancellable Engine API client for one engine address, on docker-modem (dockerode's
 * transport: unix sockets, TCP with TLS, ssh through ssh2). Every call ends within its bound:
 * an engine that accepts a connection and never answers gives an `unavailable` EngineError, not
 * a hang. Streams are bounded until their response headers arrive, then live until destroyed.
 */
export class EngineClient {
  readonly address: EngineAddress;
  readonly #modem: DockerModem;

  /** `agent` makes the connections when given (a remote host's socket over SSH: src/remote). */
  constructor(address: EngineAddress, agent?: HttpAgent) {
    this.address = address;
    // As Node's global agent: an idle kept-alive connection closes after 5 s.
    const options = { keepAlive: true, maxFreeSockets: MAX_FREE_SOCKETS, timeout: 5000 };
    const protocol = address.modem.protocol;
    // ssh brings its own agent (one ssh connection per request); the others get a bounded pool.
    const own =
      protocol === 'ssh'
        ? {}
        : { agent: protocol === 'https' ? new HttpsAgent(options) : new HttpAgent(options) };
    const given = agent === undefined ? own : { agent };
    this.#modem = new DockerModem({
      ...(address.modem as DockerModem.ConstructorOptions),
      ...given,
    });
  }

  /** One request whose answer is JSON (or empty). */
  async json<T>(method: string, path: string, query: Query, call: CallOptions): Promise<T> {
    const bound = bounded(call);
    try {
      return (await this.#dial(method, path, query, bound.signal, false)) as T;
    } catch (error) {
      // A kept-alive connection the engine (or a proxy) dropped under a read: one fresh try.
      if (method === 'GET' && isDropped(error) && !bound.signal.aborted) {
        try {
          return (await this.#dial(method, path, query, bound.signal, false)) as T;
        } catch (again) {
          throw this.#failure(again, call, bound.timedOut(), `${method} ${path}`);
        }
      }
      throw this.#failure(error, call, bound.timedOut(), `${method} ${path}`);
    } finally {
      bound.clear();
    }
  }

  /** Opens a streaming response (events, logs): bounded until its headers arrive. */
  async stream(path: string, query: Query, call: CallOptions): Promise<IncomingMessage> {
    const bound = bounded(call);
    try {
      return (await this.#dial('GET', path, query, bound.signal, true)) as IncomingMessage;
    } catch (error) {
      throw this.#failure(error, call, bound.timedOut(), `GET ${path}`);
    } finally {
      // The stream lives on: only the caller's signal (or destroy()) ends it now.
      bound.clear();
    }
  }

  #dial(
    method: string,
    path: string,
    query: Query,
    signal: AbortSignal,
    isStream: boolean,
  ): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.#modem.dial(
        {
          path: `${path}?`,
          method,
          options: { ...query },
          isStream,
          abortSignal: signal,
          statusCodes: { 200: true, 201: true, 204: true, 304: true, 404: 'not found' },
        },
        (error, result) => (error === null ? resolve(result) : reject(error)),
      );
    });
  }

  #failure(error: unknown, call: CallOptions, timedOut: boolean, what: string): Error {
    if (call.signal?.aborted === true && !timedOut) return abortReason(call.signal);
    const at = this.address.display;
    if (timedOut) {
      return new EngineError(
        'unavailable',
        `the Docker engine at ${at} did not answer ${what} within ${call.timeoutMs} ms`,
        error,
      );
    }
    const status = (error as { statusCode?: unknown } | null)?.statusCode;
    const text = error instanceof Error ? error.message : String(error);
    if (typeof status !== 'number') {
      return new EngineError(
        'unavailable',
        `the Docker engine at ${at} is unreachable: ${text}`,
        error,
      );
    }
    const kind = status === 404 ? 'not-found' : 'failed';
    return new EngineError(
      kind,
      `the Docker engine at ${at} refused ${what}: ${text.trim()}`,
      error,
      status,
    );
  }
}

/** The caller's signal joined with a timer; `clear()` ends the timer. */
function bounded(call: CallOptions): { signal: AbortSignal; timedOut(): boolean; clear(): void } {
  const timer = new AbortController();
  // Infinity: no bound but the caller's signal (podman's quiet log streams, see log-stream.ts).
  const handle = Number.isFinite(call.timeoutMs)
    ? setTimeout(() => timer.abort(), call.timeoutMs)
    : undefined;
  const signal =
    call.signal === undefined ? timer.signal : AbortSignal.any([call.signal, timer.signal]);
  return {
    signal,
    timedOut: () => timer.signal.aborted,
    clear: () => clearTimeout(handle),
  };
}

/** The connection dropped under the request (reset, hang-up, broken pipe): worth one retry. */
function isDropped(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ECONNRESET' || code === 'EPIPE';
}

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error('aborted', { cause: reason });
}
