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
