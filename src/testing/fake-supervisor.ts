import { validateInstanceId } from '../config/validate.js';
import { BaseSupervisor } from '../core/base-supervisor.js';
import type { GamewardError } from '../errors.js';
import type { Logger } from '../logger.js';
import { crashed, type InstanceState, States } from '../state/instance-state.js';
import { fromWire, toWire } from '../state/wire.js';
import type { OutputLine, ResourceStats } from '../supervisor.js';
import { delay } from '../util/abort.js';

/** Configuration of a {@link FakeSupervisor}. */
export interface FakeSupervisorConfig {
  id: string;
  /** The state it starts in (default `stopped`). */
  initial?: InstanceState;
  /** Time spent in `starting` (default 0: running on the next tick). */
  startDelayMs?: number;
  /** Time spent in `stopping` (default 0). */
  stopDelayMs?: number;
  /** The pause between stop and start in `restart()` (default 0). */
  restartDelayMs?: number;
  /** Replay buffer size of `recentOutput()` (default 1000). */
  outputBufferLines?: number;
  logger?: Logger;
}

/** One lifecycle call the fake received, in order. */
export interface FakeCall {
  readonly method: 'start' | 'stop' | 'restart' | 'kill' | 'refresh' | 'send';
  readonly args: readonly unknown[];
}

/** The calls {@link FakeSupervisor.failNext} can make fail. */
export type FakeFailableMethod = 'start' | 'stop' | 'restart' | 'kill' | 'send';

const KNOWN = [
  'id',
  'initial',
  'startDelayMs',
  'stopDelayMs',
  'restartDelayMs',
  'outputBufferLines',
  'logger',
];

/**
 * A complete `Supervisor` with no process and no Docker behind it, for an app's own unit
 * tests: real transitions through the same state channel as the real supervisors
 * (`start`: starting → running, `stop`: stopping → stopped), the same errors
 * (`ERR_NOT_RUNNING`, `ERR_ALREADY_RUNNING`, `ERR_UNMANAGED`), plus levers to simulate the world:
 * {@link crash}, {@link emitOutput}, {@link failNext}, and a record of {@link calls}.
 */
export class FakeSupervisor extends BaseSupervisor {
  readonly kind = 'fake' as const;
  readonly #calls: FakeCall[] = [];
  readonly #failures = new Map<FakeFailableMethod, Error>();
  readonly #startDelayMs: number;
  readonly #stopDelayMs: number;
  readonly #restartDelayMs: number;
  #sent: string[] = [];
  #stats: Omit<ResourceStats, 'time'> = { cpuPercent: 0, memoryBytes: 0, processCount: 0 };

  constructor(config: FakeSupervisorConfig) {
    const { validator: v, record, id } = validateInstanceId(config);
    v.knownKeys(record, KNOWN);
    let initial: InstanceState = States.stopped;
    if (record.initial !== undefined) {
      try {
        initial = fromWire(toWire(record.initial as InstanceState));
      } catch {
        v.fail('initial', 'an InstanceState such as { state: "stopped" }', record.initial);
      }
    }
    const outputBufferLines =
      record.outputBufferLines === undefined
        ? undefined
        : v.integer('outputBufferLines', record.outputBufferLines, 0);
    super({ instanceId: id, initial, logger: config.logger, outputBufferLines });
    this.#startDelayMs =
      record.startDelayMs === undefined ? 0 : v.integer('startDelayMs', record.startDelayMs, 0);
    this.#stopDelayMs =
      record.stopDelayMs === undefined ? 0 : v.integer('stopDelayMs', record.stopDelayMs, 0);
    this.#restartDelayMs =
      record.restartDelayMs === undefined
        ? 0
        : v.integer('restartDelayMs', record.restartDelayMs, 0);
  }

  /** Every lifecycle call received so far, in call order (a copy). */
  get calls(): readonly FakeCall[] {
    return [...this.#calls];
  }

  /** Every line passed to `send()` that was accepted, in order (a copy). */
  get sent(): readonly string[] {
    return [...this.#sent];
  }

  start(): Promise<void> {
    this.#record('start', []);
    return this.serialize((signal) => this.#start(signal));
  }

  stop(): Promise<void> {
    this.#record('stop', []);
    return this.serialize((signal) => this.#stop(signal));
  }

  restart(): Promise<void> {
    this.#record('restart', []);
    return this.serialize(async (signal) => {
      this.#consumeFailure('restart');
      if (this.state.state === 'unmanaged') throw this.#unmanaged();
      if (this.state.state === 'running' || this.state.state === 'starting')
        await this.#stop(signal);
      if (this.#restartDelayMs > 0) await delay(this.#restartDelayMs, signal, this.instanceId);
      await this.#start(signal);
    });
  }

  kill(): Promise<void> {
    this.#record('kill', []);
    try {
      this.#consumeFailure('kill');
    } catch (error) {
      return Promise.reject(error);
    }
    const s = this.state.state;
    if (s === 'unmanaged') return Promise.reject(this.#unmanaged());
    if (s !== 'starting' && s !== 'running' && s !== 'stopping') {
      return Promise.reject(this.#notRunning());
    }
    this.preempt(
      this.error('ERR_KILLED', `Instance ${JSON.stringify(this.instanceId)} was killed`),
    );
    if (s !== 'stopping') this.setState(States.stopping);
    this.setState(States.stopped);
    return Promise.resolve();
  }

  refresh(): Promise<InstanceState> {
    this.#record('refresh', []);
    return Promise.resolve(this.state);
  }

  send(line: string): Promise<void> {
    this.#record('send', [line]);
    if (typeof line !== 'string' || /[\r\n]/.test(line)) {
      return Promise.reject(
        this.error(
          'ERR_INVALID_ARGUMENT',
          `Instance ${JSON.stringify(this.instanceId)}: expected \`line\` to be a string without a line break, got ${JSON.stringify(line)}`,
        ),
      );
    }
    try {
      this.#consumeFailure('send');
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.state.state !== 'running' && this.state.state !== 'starting')
      return Promise.reject(this.#notRunning());
    this.#sent.push(line);
    return Promise.resolve();
  }

  stats(): Promise<ResourceStats> {
    return Promise.resolve({ ...this.#stats, time: Date.now() });
  }

  /** Sets what `stats()` reports from now on. */
  setStats(stats: Omit<ResourceStats, 'time'>): void {
    this.#stats = { ...stats };
  }

  /**
   * Simulates an exit nobody asked for: `crashed` with the given code (and signal), and a `crash`
   * event with the last 20 console lines. Throws `ERR_NOT_RUNNING` when nothing runs.
   */
  crash(exitCode?: number, signal?: NodeJS.Signals): void {
    const s = this.state.state;
    if (s !== 'running' && s !== 'starting') throw this.#notRunning();
    const uptimeSeconds = this.uptimeSeconds();
    this.preempt(
      this.error(
        'ERR_SPAWN_FAILED',
        `Instance ${JSON.stringify(this.instanceId)} crashed while starting`,
      ),
    );
    this.setState(crashed({ exitCode, signal }));
    this.emit('crash', {
      ...(exitCode === undefined ? {} : { exitCode }),
      ...(signal === undefined ? {} : { signal }),
      uptimeSeconds,
      lastLines: this.recentOutput(20),
    });
  }

  /** Simulates a console line from the server. */
  emitOutput(text: string, stream: OutputLine['stream'] = 'stdout'): void {
    this.console.publish({ stream, text, time: Date.now() });
  }

  /** Makes the next call of `method` reject (or throw) with `error`, once. */
  failNext(method: FakeFailableMethod, error: Error): void {
    this.#failures.set(method, error);
  }

  protected async disposeResources(): Promise<void> {
    this.preempt(
      this.error('ERR_DISPOSED', `Instance ${JSON.stringify(this.instanceId)} has been disposed`),
    );
    await this.settled();
    const s = this.state.state;
    if (s === 'running' || s === 'starting') this.setState(States.stopping);
    if (this.#label() === 'stopping') this.setState(States.stopped);
  }

  async #start(signal: AbortSignal): Promise<void> {
    this.#consumeFailure('start');
    const s = this.state.state;
    if (s === 'unmanaged') throw this.#unmanaged();
    if (s === 'starting' || s === 'running') {
      throw this.error(
        'ERR_ALREADY_RUNNING',
        `Instance ${JSON.stringify(this.instanceId)} is already ${s}`,
      );
    }
    this.setState(States.starting);
    await delay(this.#startDelayMs, signal, this.instanceId);
    if (this.#label() === 'starting') this.setState(States.running);
  }

  async #stop(signal: AbortSignal): Promise<void> {
    this.#consumeFailure('stop');
    const s = this.state.state;
    if (s === 'unmanaged') throw this.#unmanaged();
    if (s !== 'running' && s !== 'starting') throw this.#notRunning();
    this.setState(States.stopping);
    await delay(this.#stopDelayMs, signal, this.instanceId);
    if (this.#label() === 'stopping') this.setState(States.stopped);
  }

  /** The current label, read fresh (TypeScript would otherwise keep an earlier narrowing). */
  #label(): InstanceState['state'] {
    return this.state.state;
  }

  #record(method: FakeCall['method'], args: unknown[]): void {
    this.#calls.push({ method, args });
  }

  #consumeFailure(method: FakeFailableMethod): void {
    const error = this.#failures.get(method);
    if (error === undefined) return;
    this.#failures.delete(method);
    throw error;
  }

  #unmanaged(): GamewardError {
    return this.error('ERR_UNMANAGED', `Instance ${JSON.stringify(this.instanceId)} is unmanaged`);
  }

  #notRunning(): GamewardError {
    return this.error(
      'ERR_NOT_RUNNING',
      `Instance ${JSON.stringify(this.instanceId)} is not running (state "${this.state.state}")`,
    );
  }
}
