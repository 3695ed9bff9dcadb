import type { InstanceState } from './state/instance-state.js';
import type { StatePredicate, StatesOptions, WaitForOptions } from './state/state-channel.js';

/** Which management plane is behind a supervisor. */
export type SupervisorKind = 'process' | 'compose' | 'fake';

/** One line of console output, without its line terminator. */
export interface OutputLine {
  /** The stream it came from. */
  readonly stream: 'stdout' | 'stderr';
  /** The text, ANSI codes kept (readiness matching strips them). At most 64 KiB. */
  readonly text: string;
  /** When gameward read it, in milliseconds since the epoch. */
  readonly time: number;
  /** For compose stacks: the service that printed it. */
  readonly service?: string;
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

/** A resource sample for a whole instance (process tree, or the stack's containers). */
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
};

/** Options of `output()`. */
export interface OutputOptions {
  /** Ends the iteration when aborted. */
  signal?: AbortSignal | undefined;
  /** Lines buffered for a slow consumer before the oldest are dropped (default 10000). */
  bufferSize?: number | undefined;
}

/** Options of `statsStream()`. */
export interface StatsStreamOptions {
  /** Time between samples (default 1000 ms). */
  intervalMs?: number | undefined;
  /** Ends the iteration when aborted. */
  signal?: AbortSignal | undefined;
}

/**
 * Lifecycle control and observation of one game-server instance. The embedding app talks only to
 * this interface, so it never learns which management plane is behind an instance.
 */
export interface Supervisor {
  /** The instance slug, safe as a NATS subject segment. */
  readonly instanceId: string;
  /** Which implementation this is. */
  readonly kind: SupervisorKind;
  /** The current state, cached: no I/O. */
  readonly state: InstanceState;

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
  start(): Promise<void>;
  /** → stopping → stopped. */
  stop(): Promise<void>;
  /** Stops if needed, pauses `restartDelayMs`, starts. */
  restart(): Promise<void>;
  /** Forces everything down now, skipping the stop ladder and preempting a start or stop. */
  kill(): Promise<void>;
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

  on<E extends keyof SupervisorEvents>(event: E, listener: SupervisorEvents[E]): this;
  once<E extends keyof SupervisorEvents>(event: E, listener: SupervisorEvents[E]): this;
  off<E extends keyof SupervisorEvents>(event: E, listener: SupervisorEvents[E]): this;

  /** Stops what runs, ends every iterator, and releases everything. Idempotent. */
  [Symbol.asyncDispose](): Promise<void>;
}
