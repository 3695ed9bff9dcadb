import type { EventEmitter } from 'node:events';
import type { LinkStatus } from './remote/ssh-link.js';
import type { InstanceState } from './state/instance-state.js';
import type { StatePredicate, StatesOptions, WaitForOptions } from './state/state-channel.js';

/** Which management plane is behind a supervisor. */
export type SupervisorKind = 'process' | 'compose' | 'swarm' | 'fake';

/** One line of console output, without its line terminator. */
export interface OutputLine {
  /** The stream it came from. */
  readonly stream: 'stdout' | 'stderr';
  /** The text, ANSI codes kept (readiness matching strips them). At most 64 KiB. */
  readonly text: string;
  /** When gameward read it, in milliseconds since the epoch. */
  readonly time: number;
  /** For compose stacks and swarm services: the service that printed it. */
  readonly service?: string;
  /** For swarm services: the task (replica slot or node) that printed it. */
  readonly task?: string;
}

/** The `crash` event's payload: what an app needs to say why an instance died. */
export interface CrashDetails {
  readonly exitCode?: number;
  readonly signal?: NodeJS.Signals;
  /** How long it had been up when it died (0 when it never reached `running`). */
  readonly uptimeSeconds: number;
  /** The newest output lines before the crash, oldest first. */
  readonly lastLines: readonly OutputLine[];
}

/** Payload of `restartScheduled`. */
export interface RestartScheduled {
  /** 1 for the first automatic restart within the window, then 2, 3... */
  readonly attempt: number;
  readonly delayMs: number;
}

/** Payload of `gaveUp`: the crash-loop guard stopped restarting. */
export interface GaveUp {
  /** Automatic restarts made within the window before giving up. */
  readonly restarts: number;
}

/**
 * A resource sample for a whole instance (process tree, the stack's containers, a service's
 * tasks). `stats()` rejects `ERR_NOT_RUNNING` on every plane when nothing runs.
 */
export interface ResourceStats {
  /** CPU use in percent of one core (200 = two cores busy). */
  readonly cpuPercent: number;
  /** Resident memory in bytes. */
  readonly memoryBytes: number;
  /** Processes (or containers) counted. */
  readonly processCount: number;
  /** When sampled, in milliseconds since the epoch. */
  readonly time: number;
}

/**
 * The events every supervisor emits, typed for typed-emitter. Listeners run synchronously; one
 * that throws is logged and never breaks the supervisor or the other listeners.
 */
export type SupervisorEvents = {
  /** Every transition, in order, exactly once. */
  state: (next: InstanceState, previous: InstanceState) => void;
  /** Every console line. */
  output: (line: OutputLine) => void;
  /** An exit or death nobody asked for. */
  crash: (details: CrashDetails) => void;
  /** The crash policy scheduled an automatic restart. */
  restartScheduled: (info: RestartScheduled) => void;
  /** The crash policy gave up: the instance stays `crashed`. */
  gaveUp: (info: GaveUp) => void;
  /**
   * The connection to the instance's remote host (`host` option) went down or came back. Not a
   * state change: while it is down the instance keeps its last state; when it is back the
   * instance re-syncs and reports what happened meanwhile. Local instances never emit it.
   */
  link: (status: LinkStatus) => void;
};

/** Options of `output()`. */
export interface OutputOptions {
  /** Ends the iteration when aborted. */
  signal?: AbortSignal | undefined;
  /** Lines buffered for a slow consumer before the oldest are dropped (default 10000). */
  bufferSize?: number | undefined;
}

/** Options of `start()`, `stop()`, `restart()` and `kill()`. */
export interface CallOptions {
  /**
   * Aborting rejects the call with an error whose `name` is `'AbortError'` (code `ERR_ABORTED`).
   * An aborted `start()` (or the start half of `restart()`) leaves the instance stopped with
   * nothing running; an aborted `stop()` or `kill()` only stops waiting: the stop goes on. A call
   * still queued behind another is dropped.
   */
  signal?: AbortSignal | undefined;
}

/** Options of `statsStream()`. */
export interface StatsStreamOptions {
  /** Time between samples (default 1000 ms). */
  intervalMs?: number | undefined;
  /** Ends the iteration when aborted. */
  signal?: AbortSignal | undefined;
}

type EventMethods =
  | 'on'
  | 'once'
  | 'off'
  | 'addListener'
  | 'removeListener'
  | 'prependListener'
  | 'prependOnceListener'
  | 'emit';

/**
 * A `node:events` EventEmitter whose listener methods know {@link SupervisorEvents}: a typo in an
 * event name or a listener of the wrong shape does not compile, and `events.once(supervisor,
 * 'state')` / `events.on(...)` work at runtime and in the types.
 */
export interface SupervisorEmitter extends Omit<EventEmitter, EventMethods> {
  on<E extends keyof SupervisorEvents>(event: E, listener: SupervisorEvents[E]): this;
  once<E extends keyof SupervisorEvents>(event: E, listener: SupervisorEvents[E]): this;
  off<E extends keyof SupervisorEvents>(event: E, listener: SupervisorEvents[E]): this;
  addListener<E extends keyof SupervisorEvents>(event: E, listener: SupervisorEvents[E]): this;
  removeListener<E extends keyof SupervisorEvents>(event: E, listener: SupervisorEvents[E]): this;
  prependListener<E extends keyof SupervisorEvents>(event: E, listener: SupervisorEvents[E]): this;
  prependOnceListener<E extends keyof SupervisorEvents>(
    event: E,
    listener: SupervisorEvents[E],
  ): this;
  emit<E extends keyof SupervisorEvents>(
    event: E,
    ...args: Parameters<SupervisorEvents[E]>
  ): boolean;
}

/**
 * Lifecycle control and observation of one game-server instance. The embedding app talks only to
 * this interface, so it never learns which management plane is behind an instance.
 */
export interface Supervisor extends SupervisorEmitter {
  /** The instance slug, safe as a NATS subject segment. */
  readonly instanceId: string;
  /** Which implementation this is. */
  readonly kind: SupervisorKind;
  /** The current state, cached: no I/O. */
  readonly state: InstanceState;
  /**
   * The connection to the instance's remote host, undefined for a local instance or before the
   * first call that needs it. See the `link` event and docs/remote.md.
   */
  readonly link: LinkStatus | undefined;

  /**
   * A fresh async iterator per call: the current state first, then every transition in order.
   * `break` or an abort unsubscribes; a slow consumer never blocks the supervisor (it loses the
   * oldest states beyond `bufferSize`, never the newest). Ends when the supervisor is disposed.
   */
  states(options?: StatesOptions): AsyncIterableIterator<InstanceState>;
  /** Resolves with the first state matching `target`, at once if the current one does. */
  waitFor(target: StatePredicate, options?: WaitForOptions): Promise<InstanceState>;
  /** Whole seconds since the instance entered `running`; 0 unless running. */
  uptimeSeconds(): number;

  /** stopped | crashed → starting → running. */
  start(options?: CallOptions): Promise<void>;
  /** → stopping → stopped. */
  stop(options?: CallOptions): Promise<void>;
  /** Stops if needed, pauses `restartDelayMs`, starts. */
  restart(options?: CallOptions): Promise<void>;
  /** Forces everything down now, skipping the stop ladder and preempting a start or stop. */
  kill(options?: CallOptions): Promise<void>;
  /** Reconciles the cached state with the world (compose: asks the engine). */
  refresh(): Promise<InstanceState>;

  /** Writes one command line to the server's console. */
  send(line: string): Promise<void>;
  /** A fresh async iterator of live console lines. */
  output(options?: OutputOptions): AsyncIterableIterator<OutputLine>;
  /** The newest console lines, oldest first (at most `limit`). */
  recentOutput(limit?: number): OutputLine[];

  /** One resource sample of the whole instance. */
  stats(): Promise<ResourceStats>;
  /** Samples every `intervalMs`, only while iterated. */
  statsStream(options?: StatsStreamOptions): AsyncIterableIterator<ResourceStats>;

  /**
   * Stops what runs (unless `stopOnDispose: false`), ends every iterator, and releases
   * everything. Idempotent. The plain-JS spelling of `Symbol.asyncDispose`.
   */
  close(): Promise<void>;
  /** Same as {@link close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}
