import type { IncomingMessage } from 'node:http';
import { LineSplitter } from '../console/line-splitter.js';
import {
  type CallOptions,
  DEFAULT_ENGINE_TIMEOUT_MS,
  type EngineClient,
  EngineError,
} from './client.js';
import { type ListedContainer, listComposeContainers } from './containers.js';
import { apiTime, type ContainerEvent, parseContainerEvent } from './events.js';
import { detectFlavor, type EngineFlavor, eventFilters } from './flavor.js';

/** The first pause before re-opening a lost events stream; it doubles up to the maximum. */
export const FIRST_BACKOFF_MS = 250;
export const MAX_BACKOFF_MS = 8000;
// A stream that lived this long was healthy: the next failure starts the backoff afresh.
const STABLE_MS = 10_000;

/** One watcher of a compose project on the hub's engine. Callbacks never throw into the hub. */
export interface HubSubscriber {
  readonly project: string;
  /** How long this subscriber lets an engine call take: the stream's open is bounded by the least. */
  readonly timeoutMs?: number | undefined;
  /** One event of the project, in the engine's order. */
  event(event: ContainerEvent): void;
  /** The stream came back after a loss: the project's containers now (one list for all). */
  resync(containers: readonly ListedContainer[]): void;
  /** The stream was lost (engine restart, network): facts may be missing until the resync. */
  lost(error: Error): void;
}

/**
 * ONE events stream per engine, shared by every compose instance on it. The engine ANDs label
 * filters, so the stream filters on the project label *key* (and the actions that change a
 * container's state) and this hub routes each event to its project's subscribers in-process.
 * Opened with the first subscriber, closed with the last. When the stream ends it is re-opened
 * with a backoff, replays from the last event it saw (`since`), then re-syncs every watched
 * project with one list call.
 */
export class EventHub {
  readonly #client: EngineClient;
  readonly #subscribers = new Map<string, Set<HubSubscriber>>();
  readonly #waiters = new Set<{ resolve(): void; reject(error: Error): void }>();
  #generation = 0;
  #abort: AbortController | undefined;
  #open = false;
  #openedAt = 0;
  #timer: NodeJS.Timeout | undefined;
  #backoffMs = FIRST_BACKOFF_MS;
  // The engine time of the newest event seen: where a re-opened stream resumes.
  #resumeFrom: number | undefined;
  #lastError: Error | undefined;
  #resyncs = 0;
  // Asked once per engine, at the first connection.
  #flavor: EngineFlavor | undefined;

  constructor(client: EngineClient) {
    this.#client = client;
  }

  /** Projects watched now (for tests and metrics). */
  get projects(): number {
    return this.#subscribers.size;
  }

  /** Re-syncs done after a reconnect (for metrics and the benchmark). */
  get resyncs(): number {
    return this.#resyncs;
  }

  /** Which engine this is, once the first connection asked (undefined before). */
  get flavor(): EngineFlavor | undefined {
    return this.#flavor;
  }

  /** True while the stream is open. */
  get open(): boolean {
    return this.#open;
  }

  /** Adds a subscriber (opening the stream if it is the first); returns its unsubscribe. */
  subscribe(subscriber: HubSubscriber): () => void {
    let set = this.#subscribers.get(subscriber.project);
    if (set === undefined) {
      set = new Set();
      this.#subscribers.set(subscriber.project, set);
    }
    set.add(subscriber);
    if (this.#abort === undefined && this.#timer === undefined) this.#connect(false);
    return () => this.#unsubscribe(subscriber);
  }

  /**
   * Resolves once the stream is open, so a list taken afterwards misses no event. Rejects with
   * the connection's failure, or `unavailable` once `call.timeoutMs` passed.
   */
  whenOpen(call: CallOptions): Promise<void> {
    if (this.#open) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        done();
        const why = this.#lastError === undefined ? '' : ` (${this.#lastError.message})`;
        reject(
          new EngineError(
            'unavailable',
            `the Docker engine at ${this.#client.address.display} did not open its events stream within ${call.timeoutMs} ms${why}`,
            this.#lastError,
          ),
        );
      }, call.timeoutMs);
      const onAbort = (): void => {
        done();
        reject(call.signal?.reason instanceof Error ? call.signal.reason : new Error('aborted'));
      };
      const waiter = {
        resolve: () => {
          done();
          resolve();
        },
        reject: (error: Error) => {
          done();
          reject(error);
        },
      };
      const done = (): void => {
        clearTimeout(timer);
        call.signal?.removeEventListener('abort', onAbort);
        this.#waiters.delete(waiter);
      };
      this.#waiters.add(waiter);
      if (call.signal?.aborted === true) onAbort();
      else call.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Re-opens a lost stream now rather than after its backoff: the transport under it (a remote
   * host's SSH link) says it is back.
   */
  retryNow(): void {
    if (this.#timer === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#backoffMs = FIRST_BACKOFF_MS;
    if (this.#subscribers.size > 0) this.#connect(true);
  }

  #unsubscribe(subscriber: HubSubscriber): void {
    const set = this.#subscribers.get(subscriber.project);
    if (set?.delete(subscriber) !== true) return;
    if (set.size === 0) this.#subscribers.delete(subscriber.project);
    if (this.#subscribers.size > 0) return;
    // Nobody watches this engine any more: hold nothing.
    this.#generation += 1;
    this.#abort?.abort();
    this.#abort = undefined;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#open = false;
    this.#resumeFrom = undefined;
    this.#backoffMs = FIRST_BACKOFF_MS;
  }

  #connect(reconnect: boolean): void {
    const generation = ++this.#generation;
    const abort = new AbortController();
    this.#abort = abort;
    const since = this.#resumeFrom;
    const call = { signal: abort.signal, timeoutMs: this.#timeoutMs() };
    this.#flavorOnce(call)
      .then((flavor) => {
        const query = {
          filters: eventFilters(flavor),
          ...(reconnect && since !== undefined ? { since: apiTime(since) } : {}),
        };
        return this.#client.stream('/events', query, call);
      })
      .then(
        (response) => {
          if (generation !== this.#generation) {
            response.destroy();
            return;
          }
          this.#opened(response, generation, reconnect);
        },
        (error: unknown) => {
          if (generation !== this.#generation) return;
          this.#failed(error instanceof Error ? error : new Error(String(error)));
        },
      );
  }

  /** The least bound any subscriber asked for (an engine call's default otherwise). */
  #timeoutMs(): number {
    let least = DEFAULT_ENGINE_TIMEOUT_MS;
    for (const set of this.#subscribers.values()) {
      for (const s of set) least = Math.min(least, s.timeoutMs ?? least);
    }
    return least;
  }

  async #flavorOnce(call: CallOptions): Promise<EngineFlavor> {
    this.#flavor ??= await detectFlavor(this.#client, call);
    return this.#flavor;
  }

  #opened(response: IncomingMessage, generation: number, reconnect: boolean): void {
    this.#open = true;
    this.#openedAt = Date.now();
    this.#resumeFrom ??= Date.now() - 1000;
    this.#lastError = undefined;
    for (const waiter of [...this.#waiters]) waiter.resolve();
    const splitter = new LineSplitter((line) => this.#route(line));
    response.on('data', (chunk: Buffer) => {
      if (generation === this.#generation) splitter.push(chunk);
    });
    response.on('error', () => undefined);
    response.on('close', () => {
      if (generation !== this.#generation) return;
      this.#failed(new Error('the events stream ended'));
    });
    if (reconnect) this.#resyncAll(generation);
  }

  #route(line: string): void {
    const event = parseContainerEvent(line);
    if (event === undefined) return;
    this.#resumeFrom = Math.max(this.#resumeFrom ?? 0, event.time);
    for (const subscriber of this.#subscribers.get(event.project) ?? []) {
      guard(() => subscriber.event(event));
    }
  }

  /** The stream could not be opened or was lost: tell the waiters and watchers, retry later. */
  #failed(error: Error): void {
    const wasOpen = this.#open;
    this.#open = false;
    // Whatever the old stream still says (its close, a late list) belongs to no one now.
    this.#generation += 1;
    this.#abort?.abort();
    this.#abort = undefined;
    this.#lastError = error;
    for (const waiter of [...this.#waiters]) waiter.reject(error);
    if (wasOpen) {
      for (const set of this.#subscribers.values()) {
        for (const subscriber of set) guard(() => subscriber.lost(error));
      }
    }
    if (this.#subscribers.size === 0) return;
    if (wasOpen && Date.now() - this.#openedAt >= STABLE_MS) this.#backoffMs = FIRST_BACKOFF_MS;
    const delayMs = this.#backoffMs;
    this.#backoffMs = Math.min(MAX_BACKOFF_MS, this.#backoffMs * 2);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#subscribers.size > 0) this.#connect(true);
    }, delayMs);
  }

  /** One list call for every watched project, routed like the events. */
  #resyncAll(generation: number): void {
    listComposeContainers(
      this.#client,
      undefined,
      { timeoutMs: this.#timeoutMs() },
      this.#flavor,
    ).then(
      (containers) => {
        if (generation !== this.#generation) return;
        const byProject = new Map<string, ListedContainer[]>();
        for (const c of containers) {
          const list = byProject.get(c.project) ?? [];
          list.push(c);
          byProject.set(c.project, list);
        }
        for (const [project, set] of this.#subscribers) {
          const found = byProject.get(project) ?? [];
          for (const subscriber of [...set]) guard(() => subscriber.resync(found));
        }
        this.#resyncs += 1;
      },
      (error: unknown) => {
        if (generation !== this.#generation) return;
        // The engine answers events but not a list: start over, the next open re-syncs again.
        this.#failed(error instanceof Error ? error : new Error(String(error)));
      },
    );
  }
}

// Subscribers run in stream callbacks: a throw would be an uncaught exception in the host.
function guard(run: () => void): void {
  try {
    run();
  } catch {
    // A subscriber logs its own failures; the hub must keep routing for the others.
  }
}
