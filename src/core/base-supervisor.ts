import { EventEmitter } from 'node:events';
import type * as TypedEmitterModule from 'typed-emitter';
import { DEFAULT_OUTPUT_BUFFER_LINES, OutputHub } from '../console/output-hub.js';
import { describeGot, GamewardError } from '../errors.js';
import { type Logger, safeLogger } from '../logger.js';
import type { InstanceState } from '../state/instance-state.js';
import {
  StateChannel,
  type StatePredicate,
  type StatesOptions,
  type WaitForOptions,
} from '../state/state-channel.js';
import type {
  OutputLine,
  OutputOptions,
  ResourceStats,
  StatsStreamOptions,
  Supervisor,
  SupervisorEvents,
  SupervisorKind,
} from '../supervisor.js';
import { delay } from '../util/abort.js';

/** What every implementation hands the shared machinery. */
export interface BaseSupervisorInit {
  instanceId: string;
  initial: InstanceState;
  logger?: Logger | undefined;
  outputBufferLines?: number | undefined;
}

/**
 * The machinery every supervisor shares: the state channel, typed events that a throwing listener
 * cannot break, lifecycle calls serialized in call order, the console hub, the stats stream and
 * idempotent disposal. Implementations add what talks to the world.
 */
export abstract class BaseSupervisor implements Supervisor {
  abstract readonly kind: SupervisorKind;
  readonly instanceId: string;
  protected readonly logger: Logger;
  protected readonly console: OutputHub;
  readonly #emitter = new EventEmitter() as unknown as TypedEmitterModule.default<SupervisorEvents>;
  readonly #channel: StateChannel;
  #runningSince: number | undefined;
  #tail: Promise<unknown> = Promise.resolve();
  #operation: AbortController | undefined;
  // Lifecycle calls not yet settled, oldest first: kill() marks the first one as cut short.
  readonly #calls = new Set<{ killed?: Error }>();
  #killing: Promise<void> | undefined;
  #disposing: Promise<void> | undefined;

  protected constructor(init: BaseSupervisorInit) {
    this.instanceId = init.instanceId;
    this.logger = safeLogger(init.logger);
    this.#channel = new StateChannel(init.initial, init.instanceId, (next, previous) => {
      this.#runningSince = next.state === 'running' ? Date.now() : undefined;
      this.logger.debug(
        { instanceId: this.instanceId, from: previous.state, to: next.state },
        'state',
      );
      this.emit('state', next, previous);
    });
    this.console = new OutputHub(init.outputBufferLines ?? DEFAULT_OUTPUT_BUFFER_LINES, (line) =>
      this.emit('output', line),
    );
  }

  get state(): InstanceState {
    return this.#channel.current;
  }

  /** True once disposal has begun. */
  get disposed(): boolean {
    return this.#disposing !== undefined;
  }

  states(options?: StatesOptions): AsyncIterableIterator<InstanceState> {
    return this.#channel.subscribe(options);
  }

  waitFor(target: StatePredicate, options?: WaitForOptions): Promise<InstanceState> {
    return this.#channel.waitFor(target, options);
  }

  uptimeSeconds(): number {
    const since = this.runningSince();
    return since === undefined ? 0 : Math.max(0, Math.floor((Date.now() - since) / 1000));
  }

  abstract start(): Promise<void>;
  abstract stop(): Promise<void>;
  abstract restart(): Promise<void>;
  abstract kill(): Promise<void>;
  abstract refresh(): Promise<InstanceState>;
  abstract send(line: string): Promise<void>;
  abstract stats(): Promise<ResourceStats>;

  output(options?: OutputOptions): AsyncIterableIterator<OutputLine> {
    return this.console.subscribe(options);
  }

  recentOutput(limit?: number): OutputLine[] {
    return this.console.recent(limit);
  }

  async *statsStream(options: StatsStreamOptions = {}): AsyncIterableIterator<ResourceStats> {
    const intervalMs = options.intervalMs ?? 1000;
    if (typeof intervalMs !== 'number' || !Number.isFinite(intervalMs) || intervalMs <= 0) {
      throw this.error(
        'ERR_INVALID_ARGUMENT',
        `Instance ${JSON.stringify(this.instanceId)}: expected \`intervalMs\` to be a positive number, got ${describeGot(intervalMs)}`,
      );
    }
    const { signal } = options;
    while (!signal?.aborted && !this.disposed) {
      yield await this.stats();
      try {
        await delay(intervalMs, signal);
      } catch {
        return;
      }
    }
  }

  on<E extends keyof SupervisorEvents>(event: E, listener: SupervisorEvents[E]): this {
    this.#emitter.on(event, listener);
    return this;
  }

  once<E extends keyof SupervisorEvents>(event: E, listener: SupervisorEvents[E]): this {
    this.#emitter.once(event, listener);
    return this;
  }

  off<E extends keyof SupervisorEvents>(event: E, listener: SupervisorEvents[E]): this {
    this.#emitter.off(event, listener);
    return this;
  }

  [Symbol.asyncDispose](): Promise<void> {
    this.#disposing ??= this.#dispose();
    return this.#disposing;
  }

  /** Stops whatever the implementation owns; called once, by dispose. */
  protected abstract disposeResources(): Promise<void>;

  /** Moves to `next` (ignored when identical; throws on an illegal transition). */
  protected setState(next: InstanceState): boolean {
    return this.#channel.set(next);
  }

  /** When the instance entered `running` (ms since epoch); compose overrides with container data. */
  protected runningSince(): number | undefined {
    return this.state.state === 'running' ? this.#runningSince : undefined;
  }

  /** Emits to every listener; one that throws is logged and the others still run. */
  protected emit<E extends keyof SupervisorEvents>(
    event: E,
    ...args: Parameters<SupervisorEvents[E]>
  ): void {
    // The hot path (a console line with nobody listening) costs no array copy.
    if (this.#emitter.listenerCount(event) === 0) return;
    for (const listener of this.#emitter.rawListeners(event)) {
      try {
        (listener as (...a: unknown[]) => void)(...args);
      } catch (error) {
        this.logger.error({ instanceId: this.instanceId, event, err: error }, 'listener threw');
      }
    }
  }

  /**
   * Runs lifecycle operations one at a time, in call order. Each gets an AbortSignal that
   * `preempt()` aborts (kill uses it to cut a start or stop short).
   */
  protected serialize<T>(operation: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      this.assertNotDisposed();
      const controller = new AbortController();
      this.#operation = controller;
      try {
        return await operation(controller.signal);
      } finally {
        if (this.#operation === controller) this.#operation = undefined;
      }
    };
    const result = this.#tail.then(run, run);
    this.#tail = result.catch(() => undefined);
    return result;
  }

  /**
   * A lifecycle call (start, stop, restart, refresh): runs in call order through
   * {@link serialize}, after any kill in progress, and rejects `ERR_KILLED` when a kill cut it
   * short, even one that came before it began. The returned promise never counts as an
   * unhandled rejection: a caller that attaches its handler later is not reported.
   */
  protected lifecycleCall<T>(operation: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const call: { killed?: Error } = {};
    this.#calls.add(call);
    const result = this.serialize(async (signal) => {
      if (this.#killing !== undefined) await this.killSettled();
      if (call.killed !== undefined) throw call.killed;
      signal.throwIfAborted();
      return operation(signal);
    }).finally(() => this.#calls.delete(call));
    result.catch(() => undefined);
    return result;
  }

  /**
   * kill(): concurrent calls share one kill. The lifecycle call in progress (or the next one
   * about to begin) is cut short with `ERR_KILLED`; then `bringDown(cutShort)` forces everything
   * down, skipping the queue. Calls queued behind run once the kill is done.
   */
  protected killWith(bringDown: (cutShort: boolean) => Promise<void>): Promise<void> {
    try {
      this.assertNotDisposed();
    } catch (error) {
      return Promise.reject(error);
    }
    this.#killing ??= (async () => {
      const killed = this.error(
        'ERR_KILLED',
        `Instance ${JSON.stringify(this.instanceId)} was killed`,
      );
      const [current] = this.#calls;
      if (current !== undefined) current.killed = killed;
      this.preempt(killed);
      await bringDown(current !== undefined);
    })().finally(() => {
      this.#killing = undefined;
    });
    return this.#killing;
  }

  /** Resolves (never rejects) once the kill in progress, if any, is done. */
  protected async killSettled(): Promise<void> {
    await this.#killing?.catch(() => undefined);
  }

  /** Aborts the lifecycle operation in progress, if any, with `reason`. */
  protected preempt(reason: Error): void {
    this.#operation?.abort(reason);
  }

  /** Resolves once every lifecycle operation queued so far has settled. */
  protected settled(): Promise<void> {
    return this.#tail.then(() => undefined);
  }

  protected assertNotDisposed(): void {
    if (this.#disposing !== undefined) {
      throw this.error(
        'ERR_DISPOSED',
        `Instance ${JSON.stringify(this.instanceId)} has been disposed`,
      );
    }
  }

  /** A GamewardError about this instance. */
  protected error(code: GamewardError['code'], message: string, cause?: unknown): GamewardError {
    return new GamewardError(code, message, { instanceId: this.instanceId, cause });
  }

  async #dispose(): Promise<void> {
    try {
      await this.disposeResources();
    } catch (error) {
      this.logger.error({ instanceId: this.instanceId, err: error }, 'dispose failed');
      throw error;
    } finally {
      this.#channel.close();
      this.console.close();
      this.#emitter.removeAllListeners();
    }
  }
}
