import { EventEmitter } from 'node:events';
import { OutputHub } from '../console/output-hub.js';
import { OutputRing } from '../console/output-ring.js';
import { createLineMatcher } from '../console/readiness.js';
import {
  describeValue,
  type ErrorCode,
  GamewardError,
  type GamewardErrorOptions,
} from '../errors.js';
import { type Logger, safeLogger } from '../logger.js';
import type { LinkStatus } from '../remote/ssh-link.js';
import { crashed, type InstanceState, States } from '../state/instance-state.js';
import {
  StateChannel,
  type StatePredicate,
  type StatesOptions,
  type WaitForOptions,
} from '../state/state-channel.js';
import type {
  CallOptions,
  OutputLine,
  OutputOptions,
  ResourceStats,
  StatsStreamOptions,
  Supervisor,
  SupervisorEmitter,
  SupervisorEvents,
  SupervisorKind,
} from '../supervisor.js';
import { abortError, delay, isUserAbort, raceAbort } from '../util/abort.js';
import { checkBufferSize, checkCallOptions, checkInterval, checkLimit } from './arguments.js';
import { CallQueue, type PendingCall } from './call-queue.js';
import { CrashDesk } from './crash-desk.js';
import type { ExitFact, Observation, Plane, PlaneReport } from './plane.js';
import type { LifecycleSettings, SupervisorOptions } from './settings.js';
import { StartPhase } from './start-phase.js';

const Emitter = EventEmitter as unknown as new () => SupervisorEmitter;

/** Extra construction options a plane's supervisor may pass. */
export interface CoreOptions extends SupervisorOptions {
  /** The state before anything was observed (default `stopped`; `unmanaged` never changes). */
  initial?: InstanceState | undefined;
}

/**
 * The one place where an instance's state changes, the same for every plane. A plane acts
 * (launch, halt, send, sample, observe) and reports facts (line, ready, exited, revived); this
 * core turns them into transitions, readiness, crash events, the crash policy, lifecycle
 * serialization, kill preemption, aborts, errors and disposal. See docs/design.md.
 */
export abstract class SupervisorCore<P extends Plane = Plane>
  extends Emitter
  implements Supervisor
{
  abstract readonly kind: SupervisorKind;
  readonly instanceId: string;
  protected readonly plane: P;
  protected readonly logger: Logger;
  readonly #settings: LifecycleSettings;
  readonly #channel: StateChannel;
  readonly #console: OutputHub;
  readonly #runLines: OutputRing;
  readonly #isReadyLine: ((text: string) => boolean) | undefined;
  readonly #crashes: CrashDesk;
  readonly #queue = new CallQueue();
  #runningSince: number | undefined;
  #phase: StartPhase | undefined;
  // A halt was asked for: the exit it brings is not a crash.
  #halting = false;
  #launching = false;
  #killing: Promise<void> | undefined;
  #disposing: Promise<void> | undefined;

  protected constructor(plane: P, settings: LifecycleSettings, options: CoreOptions = {}) {
    super();
    this.instanceId = settings.id;
    this.plane = plane;
    this.#settings = settings;
    this.logger = safeLogger(options.logger);
    this.#channel = new StateChannel(options.initial ?? States.stopped, settings.id, (n, p) =>
      this.#onTransition(n, p),
    );
    this.#console = new OutputHub(settings.outputBufferLines, (line) => this.#emit('output', line));
    this.#runLines = new OutputRing(settings.crashLines);
    const pattern = settings.readyPattern;
    this.#isReadyLine = pattern === undefined ? undefined : createLineMatcher(pattern);
    this.#crashes = new CrashDesk({
      instanceId: settings.id,
      autoRestart: settings.autoRestart,
      crashLines: settings.crashLines,
      logger: this.logger,
      emit: (event, ...args) => this.#emit(event, ...args),
      lastLines: () => this.#runLines.newest(),
      restart: () => this.#autoRestart(),
    });
    plane.connect(this.#report());
  }

  /** The connection to the remote host (`host` option); undefined for a local instance. */
  get link(): LinkStatus | undefined {
    return this.plane.link;
  }

  get state(): InstanceState {
    return this.#channel.current;
  }

  /** True once dispose or close has begun. */
  get disposed(): boolean {
    return this.#disposing !== undefined;
  }

  states(options?: StatesOptions): AsyncIterableIterator<InstanceState> {
    checkBufferSize(this.instanceId, options?.bufferSize);
    return this.#channel.subscribe(options);
  }

  waitFor(target: StatePredicate, options?: WaitForOptions): Promise<InstanceState> {
    return this.#channel.waitFor(target, options);
  }

  uptimeSeconds(): number {
    const since = this.state.state === 'running' ? this.#runningSince : undefined;
    return since === undefined ? 0 : Math.max(0, Math.floor((Date.now() - since) / 1000));
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  start(options?: CallOptions): Promise<void> {
    return this.#call('start', options, true, (signal) => this.#start(signal));
  }

  stop(options?: CallOptions): Promise<void> {
    return this.#call('stop', options, false, async (signal, pendingAtCall) => {
      const pending = this.#crashes.takeOver() || pendingAtCall;
      if (!this.#holdsSomething()) {
        // Stopping a crashed instance whose automatic restart is pending cancels the restart.
        if (!pending || this.state.state !== 'crashed') throw this.#notRunning();
        this.#set(States.stopped);
        return;
      }
      await this.#bringDown(false, signal);
    });
  }

  restart(options?: CallOptions): Promise<void> {
    return this.#call('restart', options, true, async (signal) => {
      this.#crashes.takeOver();
      if (this.#holdsSomething()) await this.#bringDown(false, signal);
      await delay(this.#settings.restartDelayMs, signal, this.instanceId);
      await this.#start(signal);
    });
  }

  /**
   * Forces everything down now: cuts the call in flight (or about to begin) short with
   * `ERR_KILLED`, then `plane.halt(true)`. Concurrent kills share one. `ERR_NOT_RUNNING` only
   * when there was nothing to kill, to cut short or to cancel.
   */
  kill(options?: CallOptions): Promise<void> {
    try {
      checkCallOptions(this.instanceId, options);
      this.#assertUsable();
    } catch (error) {
      return Promise.reject(error);
    }
    this.#killing ??= this.#kill().finally(() => {
      this.#killing = undefined;
    });
    const result = raceAbort(this.#killing, options?.signal, this.instanceId);
    result.catch(() => undefined);
    return result;
  }

  /** Asks the world now and moves to what it finds (adoption). */
  refresh(): Promise<InstanceState> {
    if (this.state.state === 'unmanaged' && !this.disposed) return Promise.resolve(this.state);
    return this.#call('refresh', undefined, false, async (signal) => {
      const observation = await this.#observe(signal);
      this.#adopt(observation);
      return this.state;
    });
  }

  // ---- console and stats --------------------------------------------------------------------

  async send(line: string): Promise<void> {
    this.#assertNotDisposed();
    if (typeof line !== 'string' || /[\r\n]/.test(line)) {
      throw this.error(
        'ERR_INVALID_ARGUMENT',
        `expected \`line\` to be a string without "\\r" or "\\n", got ${describeValue(line)}`,
      );
    }
    if (this.plane.consoleInput === false) {
      throw this.error(
        'ERR_UNSUPPORTED',
        `is a ${this.kind} instance: it has no console input, so send() is not supported`,
      );
    }
    if (!this.plane.active || this.state.state === 'stopped') throw this.#notRunning();
    await this.plane.send(line);
  }

  output(options?: OutputOptions): AsyncIterableIterator<OutputLine> {
    checkBufferSize(this.instanceId, options?.bufferSize);
    return this.#console.subscribe(options);
  }

  recentOutput(limit?: number): OutputLine[] {
    checkLimit(this.instanceId, limit);
    return this.#console.recent(limit);
  }

  /** One sample of what runs; `ERR_NOT_RUNNING` on every plane when nothing does. */
  async stats(): Promise<ResourceStats> {
    this.#assertNotDisposed();
    if (!this.plane.active) throw this.#notRunning();
    return this.plane.sample();
  }

  async *statsStream(options: StatsStreamOptions = {}): AsyncIterableIterator<ResourceStats> {
    const intervalMs = checkInterval(this.instanceId, options.intervalMs);
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

  // ---- disposal -----------------------------------------------------------------------------

  /** Stops what runs (unless `stopOnDispose: false`), ends iterators, releases. Idempotent. */
  close(): Promise<void> {
    this.#disposing ??= this.#dispose();
    return this.#disposing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** A GamewardError about this instance (the message gets the `Instance "<id>": ` prefix). */
  protected error(code: ErrorCode, message: string, options: GamewardErrorOptions = {}) {
    return new GamewardError(code, message, { ...options, instanceId: this.instanceId });
  }

  // ---- internals ----------------------------------------------------------------------------

  #report(): PlaneReport {
    // Facts arrive from I/O callbacks: nothing may throw back into the plane.
    const guard =
      <A extends unknown[]>(what: string, run: (...args: A) => void) =>
      (...args: A): void => {
        try {
          run(...args);
        } catch (error) {
          this.logger.error({ instanceId: this.instanceId, err: error }, `${what} failed`);
        }
      };
    return {
      line: guard('output line', (line: OutputLine) => this.#onLine(line)),
      ready: guard('ready', () => this.#onReady()),
      exited: guard('exit', (exit: ExitFact) => this.#onExited(exit)),
      revived: guard('revival', () => this.#onRevived()),
      link: guard('link', (status: LinkStatus) => {
        this.#emit('link', status);
      }),
    };
  }

  #onTransition(next: InstanceState, previous: InstanceState): void {
    if (next.state === 'running') this.#runningSince ??= Date.now();
    else this.#runningSince = undefined;
    this.logger.debug(
      { instanceId: this.instanceId, from: previous.state, to: next.state },
      'state',
    );
    this.#emit('state', next, previous);
  }

  #set(next: InstanceState): void {
    this.#channel.set(next);
  }

  #onLine(line: OutputLine): void {
    this.#runLines.push(line);
    this.#console.publish(line);
    const phase = this.#phase;
    if (phase === undefined || phase.lineSeen || this.#isReadyLine === undefined) return;
    if (!this.#isReadyLine(line.text)) return;
    phase.lineSeen = true;
    this.#evaluate();
  }

  #onReady(): void {
    const phase = this.#phase;
    if (phase === undefined) return;
    phase.planeReady = true;
    this.#evaluate();
  }

  #evaluate(): void {
    const phase = this.#phase;
    if (phase === undefined || !phase.complete || this.state.state !== 'starting') return;
    this.#phase = undefined;
    this.#set(States.running);
    phase.succeed();
  }

  #onExited(exit: ExitFact): void {
    if (this.#halting) return;
    const s = this.state.state;
    if (s !== 'starting' && s !== 'running') return;
    const uptimeSeconds = this.uptimeSeconds();
    const phase = this.#phase;
    this.#phase = undefined;
    // The verdict first: a state listener that reacts to `crashed` must see the restart pending.
    this.#crashes.report(exit, uptimeSeconds);
    this.#set(crashed({ exitCode: exit.exitCode, signal: exit.signal }));
    phase?.fail(
      this.error('ERR_START_FAILED', `exited ${describeExit(exit)} before it was ready`, {
        exitCode: exit.exitCode,
      }),
    );
  }

  #onRevived(): void {
    if (this.state.state !== 'crashed' || this.#queue.busy || this.#halting) return;
    // The world restarted it: an automatic restart of ours would start a second one.
    this.#crashes.takeOver();
    this.#runLines.clear();
    this.#set(States.starting);
    this.#beginPhase(true, true);
  }

  #beginPhase(needsLine: boolean, armed: boolean): StartPhase {
    this.#endPhase();
    const phase = new StartPhase(
      needsLine && this.#isReadyLine !== undefined,
      armed,
      this.#settings.startTimeoutMs,
      (timedOut) => this.#onPhaseTimeout(timedOut),
    );
    this.#phase = phase;
    return phase;
  }

  #endPhase(reason?: Error): void {
    const phase = this.#phase;
    this.#phase = undefined;
    phase?.fail(reason ?? this.error('ERR_ABORTED', 'the start was cancelled'));
  }

  #onPhaseTimeout(phase: StartPhase): void {
    const timeoutMs = this.#settings.startTimeoutMs;
    const pattern = this.#settings.readyPattern;
    const what =
      pattern === undefined || phase.lineSeen
        ? `was not up within ${timeoutMs} ms`
        : `no console line matched ${describeValue(pattern)} within ${timeoutMs} ms`;
    const error = this.error('ERR_READINESS_TIMEOUT', what);
    if (this.#phase === phase) this.#phase = undefined;
    phase.fail(error);
    // A start() waits on the phase and handles it; an external start (revival) has no caller.
    if (!this.#queue.busy && this.state.state === 'starting') {
      this.#crashes.report({}, 0);
      this.#set(crashed());
    }
  }

  async #start(signal: AbortSignal): Promise<void> {
    const s = this.state.state;
    if (s === 'starting' || s === 'running') {
      throw this.error('ERR_ALREADY_RUNNING', `is already ${s}`);
    }
    // Never a second copy beside one that already runs: ask the world first.
    const found = await this.#observe(signal);
    if (signal.aborted) throw abortError(signal, this.instanceId);
    if (found.kind === 'running' || found.kind === 'starting') {
      this.#adopt(found);
      throw this.error('ERR_ALREADY_RUNNING', `is already ${this.state.state} (adopted)`);
    }
    await this.plane.prepare?.(signal);
    // A kill or an abort that came while the world was asked: nothing was launched.
    if (signal.aborted) throw abortError(signal, this.instanceId);
    // What a failed stop left behind goes first, or a second server would run beside it.
    if (this.plane.active) await this.#bringDown(true, signal);
    if (signal.aborted) throw abortError(signal, this.instanceId);
    this.#halting = false;
    this.#runLines.clear();
    const phase = this.#beginPhase(true, false);
    const launch = new AbortController();
    const abortLaunch = (): void => launch.abort(signal.reason);
    signal.addEventListener('abort', abortLaunch, { once: true });
    void phase.done.catch((error: unknown) => launch.abort(error));
    this.#set(States.starting);
    try {
      this.#launching = true;
      try {
        await raceAbort(this.plane.launch(launch.signal), launch.signal, this.instanceId);
      } finally {
        this.#launching = false;
      }
      phase.armed = true;
      this.#evaluate();
      await raceAbort(phase.done, signal, this.instanceId);
    } catch (error) {
      await this.#startFailed(error, phase, signal);
    } finally {
      signal.removeEventListener('abort', abortLaunch);
    }
  }

  /** Leaves a failed start where it belongs (never `starting`) and rethrows the right error. */
  async #startFailed(error: unknown, phase: StartPhase, signal: AbortSignal): Promise<never> {
    if (this.#phase === phase) this.#phase = undefined;
    if (signal.aborted) {
      const reason = abortError(signal, this.instanceId);
      // kill and dispose bring it down themselves; a user's abort leaves it stopped, here.
      if (isUserAbort(reason)) await this.#bringDown(true).catch(() => undefined);
      throw reason;
    }
    const cause = phase.settled
      ? await phase.done.then(
          () => error,
          (e: unknown) => e,
        )
      : error;
    if (isCode(cause, 'ERR_READINESS_TIMEOUT')) {
      let stopFailure: unknown;
      await this.#bringDown(false, signal, crashed()).catch((e: unknown) => {
        stopFailure = e;
      });
      if (signal.aborted) throw abortError(signal, this.instanceId);
      this.#crashes.report({}, 0);
      if (stopFailure !== undefined) this.logger.warn({ err: stopFailure }, 'stop after timeout');
      throw cause;
    }
    // The workload died while starting: #onExited set `crashed` and reported the crash.
    if (isCode(cause, 'ERR_START_FAILED')) throw cause;
    // Nothing could be launched (the plane cleaned up): a failed start, not a crash.
    if (this.state.state === 'starting') {
      phase.fail(cause as Error);
      this.#set(crashed());
    }
    throw error;
  }

  /**
   * The ladder (or force) through the plane, then `done` (`stopped`). A halt that fails leaves
   * `crashed` and rejects. An abort rejects with its reason and leaves the state to the aborter.
   */
  async #bringDown(
    force: boolean,
    signal?: AbortSignal,
    done: InstanceState = States.stopped,
  ): Promise<void> {
    this.#halting = true;
    this.#endPhase(this.error('ERR_KILLED', 'was stopped while starting'));
    const s = this.state.state;
    if (s !== 'stopping' && s !== 'stopped') this.#set(States.stopping);
    try {
      await raceAbort(this.plane.halt(force, signal), signal, this.instanceId);
    } catch (error) {
      if (signal?.aborted) throw abortError(signal, this.instanceId);
      if (this.state.state === 'stopping') this.#set(crashed());
      throw error;
    }
    if (this.state.state === 'stopping') this.#set(done);
  }

  async #kill(): Promise<void> {
    const pending = this.#crashes.takeOver();
    const killed = this.error('ERR_KILLED', 'was killed');
    const current = this.#queue.oldest;
    if (current !== undefined) current.killed = killed;
    this.#queue.preempt(killed);
    const s = this.state.state;
    if (this.#holdsSomething() || s === 'starting' || s === 'stopping') {
      await this.#bringDown(true);
      return;
    }
    this.#endPhase(killed);
    if (!pending && current === undefined) throw this.#notRunning();
    if (this.state.state === 'crashed') this.#set(States.stopped);
  }

  #holdsSomething(): boolean {
    return this.plane.active || this.#launching;
  }

  async #observe(signal: AbortSignal): Promise<Observation> {
    return raceAbort(this.plane.observe(signal), signal, this.instanceId);
  }

  /** Moves to what the world shows (refresh, adoption, a second copy refused). */
  #adopt(found: Observation): void {
    const current = this.state;
    const s = current.state;
    if (s === 'unmanaged' || s === 'stopping' || (s === 'starting' && this.#phase !== undefined)) {
      return;
    }
    switch (found.kind) {
      case 'running':
        if (s === 'running') return;
        this.#crashes.takeOver();
        this.#endPhase();
        this.#runningSince = found.since;
        this.#set(States.running);
        return;
      case 'starting':
        if (s === 'running' || s === 'starting') return;
        this.#crashes.takeOver();
        this.#set(States.starting);
        // An adopted run printed its ready line long ago: only the plane's readiness counts.
        this.#beginPhase(false, true);
        return;
      case 'exited':
        if (s === 'running' || s === 'starting') {
          this.#onExited({ exitCode: found.exitCode, signal: found.signal });
        } else if (!found.stopped) {
          this.#set(crashed({ exitCode: found.exitCode, signal: found.signal }));
        } else if (s === 'crashed' && !this.#crashes.restartPending) {
          this.#set(States.stopped);
        }
        return;
      case 'absent':
        if (s === 'running' || s === 'starting') this.#onExited({});
    }
  }

  #call<T>(
    name: string,
    options: CallOptions | undefined,
    startsSomething: boolean,
    operation: (signal: AbortSignal, restartPendingAtCall: boolean) => Promise<T>,
  ): Promise<T> {
    try {
      checkCallOptions(this.instanceId, options);
      this.#assertUsable();
    } catch (error) {
      return Promise.reject(error);
    }
    // The user takes over at the call, not when the queue reaches it: a restart pending from a
    // crash a moment ago never begins. (The automatic restart itself takes nothing over.)
    const takesOver = name !== 'refresh' && name !== 'auto';
    const pendingAtCall = takesOver && this.#crashes.takeOver();
    const userSignal = options?.signal;
    const call: PendingCall = {};
    const before = async (): Promise<void> => {
      this.#assertNotDisposed();
      if (this.#killing !== undefined) await this.#killing.catch(() => undefined);
      if (call.killed !== undefined) throw call.killed;
      if (userSignal?.aborted) throw abortError(userSignal, this.instanceId);
      if (this.state.state === 'unmanaged') throw this.#unmanaged();
      if (takesOver && name !== 'stop') this.#crashes.takeOver();
    };
    const result = this.#queue.run(call, before, (signal) => {
      // A user's abort of a start cuts it short (it ends stopped); of a stop, only the waiting.
      const onAbort = (): void =>
        this.#queue.preempt(abortError(userSignal as AbortSignal, this.instanceId));
      if (startsSomething) userSignal?.addEventListener('abort', onAbort, { once: true });
      return operation(signal, pendingAtCall).finally(() =>
        userSignal?.removeEventListener('abort', onAbort),
      );
    });
    if (startsSomething || userSignal === undefined) return result;
    const waiting = raceAbort(result, userSignal, this.instanceId);
    waiting.catch(() => undefined);
    return waiting;
  }

  #autoRestart(): void {
    this.#call('auto', undefined, true, async (signal) => {
      // A call queued before this one already started it, or stopped it for good.
      if (this.state.state !== 'crashed' || this.plane.active) return;
      await this.#start(signal);
    }).catch((error: unknown) => {
      if (isCode(error, 'ERR_KILLED') || isCode(error, 'ERR_DISPOSED')) return;
      this.logger.warn({ instanceId: this.instanceId, err: error }, 'automatic restart failed');
    });
  }

  async #dispose(): Promise<void> {
    this.#crashes.takeOver();
    try {
      const disposed = this.error('ERR_DISPOSED', 'has been disposed');
      this.#queue.preempt(disposed);
      this.#endPhase(disposed);
      await this.#killing?.catch(() => undefined);
      await this.#queue.settled();
      if (this.#settings.stopOnDispose && this.#holdsSomething()) {
        await this.#bringDown(false).catch((error: unknown) => {
          this.logger.error({ instanceId: this.instanceId, err: error }, 'stop on dispose failed');
        });
      }
      // A crash seen just before must still reach its listeners.
      await this.#crashes.flush();
      await this.plane.release();
    } catch (error) {
      this.logger.error({ instanceId: this.instanceId, err: error }, 'dispose failed');
      throw error;
    } finally {
      this.#channel.close();
      this.#console.close();
      this.removeAllListeners();
    }
  }

  /** Emits to every listener; one that throws is logged and the others still run. */
  #emit<E extends keyof SupervisorEvents>(
    event: E,
    ...args: Parameters<SupervisorEvents[E]>
  ): void {
    // The hot path (a console line with nobody listening) costs no array copy.
    if (this.listenerCount(event) === 0) return;
    for (const listener of this.rawListeners(event)) {
      try {
        (listener as (...a: unknown[]) => void)(...args);
      } catch (error) {
        this.logger.error({ instanceId: this.instanceId, event, err: error }, 'listener threw');
      }
    }
  }

  #assertUsable(): void {
    this.#assertNotDisposed();
    if (this.state.state === 'unmanaged') throw this.#unmanaged();
  }

  #assertNotDisposed(): void {
    if (this.#disposing !== undefined) throw this.error('ERR_DISPOSED', 'has been disposed');
  }

  #notRunning(): GamewardError {
    return this.error('ERR_NOT_RUNNING', `is not running (state "${this.state.state}")`);
  }

  #unmanaged(): GamewardError {
    return this.error('ERR_UNMANAGED', 'is unmanaged: it has nothing to run');
  }
}

function isCode(error: unknown, code: ErrorCode): error is GamewardError {
  return error instanceof GamewardError && error.code === code;
}

function describeExit(exit: ExitFact): string {
  if (exit.signal !== undefined) return `on ${exit.signal}`;
  return exit.exitCode === undefined ? 'with no known code' : `with code ${exit.exitCode}`;
}
