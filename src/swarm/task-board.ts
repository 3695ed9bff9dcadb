import type { GamewardError } from '../errors.js';
import type { Logger } from '../logger.js';
import { type ManagerApi, openManager, toEngineError } from './engine.js';
import {
  type NodeRecord,
  type ServiceRecord,
  STACK_LABEL,
  type TaskRecord,
  toNode,
  toService,
  toTask,
} from './records.js';

/** Poll period while every subscriber is idle: the crash-detection target (about 1 s). */
export const IDLE_POLL_MS = 1000;
/** Poll period while a subscriber starts or stops, and for a while after an engine event. */
export const FAST_POLL_MS = 100;
/** How long polling stays fast after an engine event (a task's state lags its container's). */
const FAST_AFTER_EVENT_MS = 3000;
/** Services and nodes are re-read on events, and every this many polls without an event stream. */
const FULL_EVERY = 10;
const RECONNECT_MS = 1000;

/** What the manager showed at one poll: every stack's tasks, services and the nodes. */
export interface BoardSnapshot {
  readonly tasks: readonly TaskRecord[];
  readonly services: readonly ServiceRecord[];
  readonly nodes: ReadonlyMap<string, NodeRecord>;
  /** When the task list was read, ms since the epoch. */
  readonly at: number;
}

/** One swarm instance watching its stack on the board. */
export interface BoardSubscriber {
  /** True while it wants fast polling (starting, stopping). */
  readonly urgent: boolean;
  update(snapshot: BoardSnapshot): void;
  /** The manager could not be read (the next poll retries). */
  failed(error: GamewardError): void;
}

const boards = new Map<string, TaskBoard>();

/**
 * ONE task list per manager for every swarm instance on it. The Engine API has no task events
 * (moby/moby#37403) and a task dying on a worker gives the manager no event, so the board polls
 * `GET /tasks` filtered by the stack label's key (every stack's tasks in one call): every
 * {@link IDLE_POLL_MS} while idle, every {@link FAST_POLL_MS} while an instance starts or stops,
 * and at once on a service, node or stack-container event. It runs only while subscribed, and
 * keeps the process alive meanwhile, as a supervised child would: `close()` the instances.
 */
export class TaskBoard {
  readonly api: ManagerApi;
  readonly #logger: Logger;
  readonly #subscribers = new Set<BoardSubscriber>();
  #snapshot: BoardSnapshot | undefined;
  #timer: NodeJS.Timeout | undefined;
  #polling: Promise<BoardSnapshot> | undefined;
  #again = false;
  #fullDue = true;
  #pollsSinceFull = 0;
  #fastUntil = 0;
  #events: NodeJS.ReadableStream | undefined;
  #eventsRetry: NodeJS.Timeout | undefined;
  #closed = new AbortController();

  /** The board of the manager at `host`, shared by every instance with the same one. */
  static acquire(host: string, logger: Logger, env?: Readonly<Record<string, string>>): TaskBoard {
    let board = boards.get(host);
    if (board === undefined || board.#closed.signal.aborted) {
      board = new TaskBoard(openManager(host, { ...process.env, ...env }), logger);
      boards.set(host, board);
    }
    return board;
  }

  private constructor(api: ManagerApi, logger: Logger) {
    this.api = api;
    this.#logger = logger;
  }

  /** The newest snapshot, if any poll succeeded. */
  get latest(): BoardSnapshot | undefined {
    return this.#snapshot;
  }

  /** Starts updating `subscriber` (and the board, for the first one); returns the unsubscribe. */
  subscribe(subscriber: BoardSubscriber): () => void {
    this.#subscribers.add(subscriber);
    if (this.#subscribers.size === 1) {
      this.#openEvents();
      this.#schedule();
    }
    return () => {
      if (!this.#subscribers.delete(subscriber) || this.#subscribers.size > 0) return;
      this.#closed.abort();
      clearTimeout(this.#timer);
      clearTimeout(this.#eventsRetry);
      (this.#events as { destroy?: () => void } | undefined)?.destroy?.();
      if (boards.get(this.api.host) === this) boards.delete(this.api.host);
    };
  }

  /**
   * A fresh snapshot with services and nodes re-read (a poll in flight is joined only when it
   * reads them too). Rejects with a coded error when the manager cannot be read.
   */
  read(): Promise<BoardSnapshot> {
    this.#fullDue = true;
    return this.#pollNow();
  }

  /** Polls now (after a deploy, a stack rm, an event) and stays fast for a while. */
  poke(): void {
    this.#fastUntil = Date.now() + FAST_AFTER_EVENT_MS;
    this.#pollNow().catch(() => undefined);
  }

  #pollNow(): Promise<BoardSnapshot> {
    if (this.#polling !== undefined) {
      this.#again = true;
      // The poll in flight may predate what the caller waits for: chain one more.
      return this.#polling.catch(() => undefined).then(() => this.#polling ?? this.#poll());
    }
    return this.#poll();
  }

  #poll(): Promise<BoardSnapshot> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const polling = this.#fetch().finally(() => {
      this.#polling = undefined;
      if (this.#again) {
        this.#again = false;
        this.#poll().catch(() => undefined);
      } else {
        this.#schedule();
      }
    });
    this.#polling = polling;
    polling.then(
      (snapshot) => {
        for (const s of [...this.#subscribers]) s.update(snapshot);
      },
      (error: GamewardError) => {
        this.#fullDue = true;
        for (const s of [...this.#subscribers]) s.failed(error);
      },
    );
    return polling;
  }

  async #fetch(): Promise<BoardSnapshot> {
    // Services and nodes change with events; re-read them now and then all the same.
    const full =
      this.#fullDue ||
      this.#snapshot === undefined ||
      this.#pollsSinceFull >= (this.#events === undefined ? FULL_EVERY : FULL_EVERY * 6);
    this.#fullDue = false;
    const filters = { label: [STACK_LABEL] };
    const signal = this.#closed.signal;
    const [tasks, services, nodes] = await Promise.all([
      this.api.request<unknown[]>('GET', '/tasks', { filters }, signal),
      full
        ? this.api.request<unknown[]>('GET', '/services', { filters, status: true }, signal)
        : undefined,
      full ? this.api.request<unknown[]>('GET', '/nodes', {}, signal) : undefined,
    ]);
    this.#pollsSinceFull = full ? 0 : this.#pollsSinceFull + 1;
    const previous = this.#snapshot;
    const snapshot: BoardSnapshot = {
      tasks: tasks.map(toTask),
      services: services?.map(toService) ?? previous?.services ?? [],
      nodes:
        nodes === undefined
          ? (previous?.nodes ?? new Map())
          : new Map(nodes.map((n) => [toNode(n).id, toNode(n)])),
      at: Date.now(),
    };
    this.#snapshot = snapshot;
    return snapshot;
  }

  #schedule(): void {
    if (this.#subscribers.size === 0 || this.#polling !== undefined) return;
    clearTimeout(this.#timer);
    const fast = Date.now() < this.#fastUntil || [...this.#subscribers].some((s) => s.urgent);
    this.#timer = setTimeout(
      () => this.#poll().catch(() => undefined),
      fast ? FAST_POLL_MS : IDLE_POLL_MS,
    );
  }

  /** Service, node and stack-container events make the board poll at once. */
  #openEvents(): void {
    const signal = this.#closed.signal;
    if (signal.aborted) return;
    const filters = {
      type: ['service', 'node', 'container'],
      event: ['create', 'update', 'remove', 'die', 'start', 'health_status'],
    };
    this.api.stream('/events', { filters }, signal).then(
      (stream) => {
        if (signal.aborted) {
          (stream as { destroy?: () => void }).destroy?.();
          return;
        }
        this.#events = stream;
        this.#fullDue = true;
        let buffered = '';
        stream.on('data', (chunk: Buffer) => {
          buffered += chunk.toString('utf8');
          let nl = buffered.indexOf('\n');
          while (nl !== -1) {
            this.#onEvent(buffered.slice(0, nl));
            buffered = buffered.slice(nl + 1);
            nl = buffered.indexOf('\n');
          }
        });
        const reopen = (): void => {
          if (this.#events !== stream) return;
          this.#events = undefined;
          this.#retryEvents();
        };
        stream.on('end', reopen);
        stream.on('close', reopen);
        stream.on('error', reopen);
      },
      (error: unknown) => {
        if (signal.aborted) return;
        this.#logger.debug(
          { host: this.api.host, err: toEngineError(this.api.host, error) },
          'swarm events',
        );
        this.#retryEvents();
      },
    );
  }

  #retryEvents(): void {
    if (this.#closed.signal.aborted) return;
    clearTimeout(this.#eventsRetry);
    this.#eventsRetry = setTimeout(() => this.#openEvents(), RECONNECT_MS);
  }

  #onEvent(line: string): void {
    let event: { Type?: string; Actor?: { Attributes?: Record<string, string> } };
    try {
      event = JSON.parse(line) as typeof event;
    } catch {
      return;
    }
    // Containers of other projects (compose stacks beside the swarm) are none of the board's business.
    if (event.Type === 'container' && event.Actor?.Attributes?.[STACK_LABEL] === undefined) return;
    if (event.Type !== 'container') this.#fullDue = true;
    this.poke();
  }
}
