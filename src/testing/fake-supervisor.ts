import type { ConfigValidator } from '../config/validate.js';
import {
  type ConfigTable,
  fields,
  type LifecycleConfig,
  lifecycleSettings,
  lifecycleTable,
  normalizeConfig,
  type SupervisorOptions,
} from '../core/settings.js';
import { SupervisorCore } from '../core/supervisor-core.js';
import type { LinkStatus } from '../remote/ssh-link.js';
import { type InstanceState, States } from '../state/instance-state.js';
import { fromWire, toWire } from '../state/wire.js';
import type { CallOptions, OutputLine, ResourceStats } from '../supervisor.js';
import { type FakeFailableMethod, FakePlane } from './fake-plane.js';

export type { FakeFailableMethod } from './fake-plane.js';

/** Configuration of a {@link FakeSupervisor}: the lifecycle options of every plane, plus these. */
export interface FakeSupervisorConfig extends LifecycleConfig {
  /** Accepted so a fleet entry can be passed as is. */
  kind?: 'fake' | undefined;
  /** The state it starts in (default `stopped`; running/starting/stopping: its world runs). */
  initial?: InstanceState | undefined;
  /** Time the fake world takes to launch (default 0: up on the next tick). */
  startDelayMs?: number | undefined;
  /** Time the fake world takes to stop gracefully (default 0). */
  stopDelayMs?: number | undefined;
  /** The pause between stop and start in `restart()` (default 0 here, 2000 on real planes). */
  restartDelayMs?: number | undefined;
}

/** One lifecycle call the fake received, in order. */
export interface FakeCall {
  readonly method: 'start' | 'stop' | 'restart' | 'kill' | 'refresh' | 'send';
  readonly args: readonly unknown[];
}

const fakeTable = {
  ...lifecycleTable,
  initial: (value: unknown, v: ConfigValidator): InstanceState => {
    if (value === undefined) return States.stopped;
    try {
      return fromWire(toWire(value as InstanceState));
    } catch {
      return v.fail('initial', 'an InstanceState such as { state: "stopped" }', value);
    }
  },
  startDelayMs: fields.duration(0),
  stopDelayMs: fields.duration(0),
  restartDelayMs: fields.duration(0),
} satisfies ConfigTable<FakeSupervisorConfig>;

const RUNNING_STATES = new Set(['starting', 'running', 'stopping']);

/**
 * A complete `Supervisor` with no process and no Docker behind it, for an app's own unit tests.
 * It is the same core as the real supervisors over a scriptable fake world (`FakePlane`),
 * so its transitions, errors, crash events and crash policy are exactly theirs; the levers
 * simulate the world: {@link crash}, {@link emitOutput}, {@link revive}, {@link failNext}, and
 * a record of {@link calls}.
 */
export class FakeSupervisor extends SupervisorCore<FakePlane> {
  readonly kind = 'fake' as const;
  readonly #calls: FakeCall[] = [];

  constructor(config: FakeSupervisorConfig, options: SupervisorOptions = {}) {
    const normalized = normalizeConfig(config, fakeTable, 'fake');
    const plane = new FakePlane({
      id: normalized.id,
      startDelayMs: normalized.startDelayMs,
      stopDelayMs: normalized.stopDelayMs,
      running: RUNNING_STATES.has(normalized.initial.state),
    });
    super(plane, lifecycleSettings(normalized), { ...options, initial: normalized.initial });
  }

  /** Every call received so far, in call order (a copy). */
  get calls(): readonly FakeCall[] {
    return [...this.#calls];
  }

  /** Every line passed to `send()` that was accepted, in order (a copy). */
  get sent(): readonly string[] {
    return [...this.plane.sent];
  }

  override start(options?: CallOptions): Promise<void> {
    this.#record('start', []);
    return super.start(options);
  }

  override stop(options?: CallOptions): Promise<void> {
    this.#record('stop', []);
    return super.stop(options);
  }

  override restart(options?: CallOptions): Promise<void> {
    this.#record('restart', []);
    try {
      this.plane.consumeFailure('restart');
    } catch (error) {
      return Promise.reject(error);
    }
    return super.restart(options);
  }

  override kill(options?: CallOptions): Promise<void> {
    this.#record('kill', []);
    return super.kill(options);
  }

  override refresh(): Promise<InstanceState> {
    this.#record('refresh', []);
    return super.refresh();
  }

  override send(line: string): Promise<void> {
    this.#record('send', [line]);
    return super.send(line);
  }

  /** Sets what `stats()` reports from now on. */
  setStats(stats: Omit<ResourceStats, 'time'>): void {
    this.plane.setStats(stats);
  }

  /**
   * Simulates an exit nobody asked for: `crashed` with the code (and signal), the `crash` event
   * with the last lines, and the crash policy, as on every plane. Throws `ERR_NOT_RUNNING` when
   * nothing runs.
   */
  crash(exitCode?: number, signal?: NodeJS.Signals): void {
    this.plane.crash(exitCode, signal);
  }

  /** Simulates the world restarting the server by itself (a compose `restart:` policy). */
  revive(): void {
    this.plane.revive();
  }

  /**
   * Simulates the connection to a remote host going down or coming back: `link` becomes `status`
   * and the `link` event fires. The state is untouched, as on a remote plane: follow with
   * {@link crash} to simulate an exit the host learns of after the link is back.
   */
  setLink(status: LinkStatus): void {
    this.plane.setLink(status);
  }

  /** Simulates a console line from the server. */
  emitOutput(text: string, stream: OutputLine['stream'] = 'stdout'): void {
    this.plane.line(text, stream);
  }

  /** Makes the next call of `method` reject with `error`, once. */
  failNext(method: FakeFailableMethod, error: Error): void {
    this.plane.failNext(method, error);
  }

  #record(method: FakeCall['method'], args: unknown[]): void {
    this.#calls.push({ method, args });
  }
}
