import type { GamewardError } from '../errors.js';
import { isGamewardError } from '../errors.js';
import type { Logger } from '../logger.js';
import { crashed, type InstanceState, States } from '../state/instance-state.js';
import { abortError } from '../util/abort.js';
import type { ComposeCli } from './compose-cli.js';
import { InFlight } from './in-flight.js';
import type { NormalizedComposeConfig } from './options.js';
import { missingServices } from './reconcile.js';
import type { StackObserver } from './stack-observer.js';
import type { StackWatch } from './stack-watch.js';

/** What the lifecycle steps need from their supervisor. */
export interface LifecycleHost {
  readonly config: NormalizedComposeConfig;
  readonly cli: ComposeCli;
  readonly watch: StackWatch;
  readonly observer: StackObserver;
  readonly logger: Logger;
  state(): InstanceState;
  setState(next: InstanceState): void;
  notRunning(): GamewardError;
  /** A GamewardError: `Instance "id" <what>`. */
  error(code: GamewardError['code'], what: string): GamewardError;
}

/**
 * The engine side of start, stop and kill: which compose command runs when, which state comes
 * before and after it, and how a failure leaves the instance (never `starting` or `stopping`).
 * The supervisor serializes the calls (and closes the watch of a stack they left stopped);
 * `signal` is the operation's, aborted by kill or dispose, and an aborted step leaves the state
 * to whoever aborted it.
 */
export class StackLifecycle {
  readonly #host: LifecycleHost;
  #up: Promise<void> | undefined;
  // Compose commands a step began: a stop cut short by kill or dispose runs on until it ends.
  readonly #commands = new InFlight();

  constructor(host: LifecycleHost) {
    this.#host = host;
  }

  /** True while any container of the stack may run: there is something to stop or kill. */
  runsSomething(): boolean {
    const s = this.#host.state().state;
    if (s === 'crashed') return this.#host.watch.table.anyLive();
    return s === 'starting' || s === 'running' || s === 'stopping';
  }

  /** Resolves once every compose command begun so far has ended. */
  settle(): Promise<void> {
    return this.#commands.settled();
  }

  /** stopped | crashed → starting → `compose up -d` → running (see docs/compose.md). */
  async start(signal: AbortSignal): Promise<void> {
    const s = this.#host.state().state;
    if (s === 'starting' || s === 'running') {
      throw this.#host.error('ERR_ALREADY_RUNNING', `is already ${s}`);
    }
    const t0 = Date.now();
    await this.open(t0);
    if (signal.aborted) throw abortError(signal, this.#host.config.id);
    const found = this.#host.observer.view().kind;
    if (found === 'up' || found === 'starting') {
      // Its containers already run (started elsewhere): adopted, not started twice.
      this.#host.observer.applyView();
      throw this.#host.error(
        'ERR_ALREADY_RUNNING',
        `is already ${this.#host.state().state} (adopted)`,
      );
    }
    const previous = this.#host.state();
    this.#host.setState(States.starting);
    const timeoutMs = this.#host.config.startTimeoutMs;
    const phase = this.#host.observer.beginPhase(true, () =>
      this.#host.error('ERR_READINESS_TIMEOUT', `did not get ready within ${timeoutMs} ms`),
    );
    try {
      this.#up = this.#commands.track(this.#host.cli.up());
      await this.#up.finally(() => {
        this.#up = undefined;
      });
      if (signal.aborted) throw abortError(signal, this.#host.config.id);
      await this.#host.watch.snapshot();
      if (signal.aborted) throw abortError(signal, this.#host.config.id);
      this.#host.watch.followRunning(t0);
      this.#checkServices();
      phase.armed = true;
      this.#host.observer.evaluate();
      await phase.wait(signal);
    } catch (error) {
      if (signal.aborted) throw abortError(signal, this.#host.config.id);
      if (!phase.settled) this.#host.observer.endPhase();
      await this.#failStart(error, previous, signal);
      throw error;
    }
  }

  /** Leaves a failed start where it belongs: never `starting`. */
  async #failStart(error: unknown, previous: InstanceState, signal: AbortSignal): Promise<void> {
    if (this.#host.state().state !== 'starting') return; // A container died: the crash set the state.
    const code = isGamewardError(error) ? error.code : undefined;
    this.#host.setState(States.stopping);
    if (code !== 'ERR_ENGINE_UNAVAILABLE' && code !== 'ERR_COMPOSE_MISSING') {
      // Nothing half-started is left behind (testcontainers does the same after a failed up).
      await this.stopStack().catch((cleanup: unknown) => {
        this.#host.logger.warn(
          { instanceId: this.#host.config.id, err: cleanup },
          'cleanup after failed start',
        );
      });
    }
    if (signal.aborted) return;
    if (code === 'ERR_READINESS_TIMEOUT') this.#host.setState(crashed());
    else this.#host.setState(previous.state === 'crashed' ? previous : States.stopped);
  }

  /** → stopping → `compose stop` (or down) → stopped; from crashed only while something runs. */
  async stop(signal: AbortSignal): Promise<void> {
    if (!this.runsSomething()) throw this.#host.notRunning();
    this.#host.observer.endPhase();
    this.#host.setState(States.stopping);
    try {
      await raceAbort(this.stopStack(), signal, this.#host.config.id);
    } catch (error) {
      if (signal.aborted) throw error;
      this.#host.setState(crashed());
      throw error;
    }
    this.#host.setState(States.stopped);
  }

  /** → stopping → `compose kill` (+ down) → stopped, after a `compose up` in flight. */
  async kill(): Promise<void> {
    this.#host.observer.endPhase();
    if (this.#host.state().state !== 'stopping') this.#host.setState(States.stopping);
    // compose up cannot be cancelled: let it finish, then kill what it started.
    await this.#up?.catch(() => undefined);
    try {
      await this.#commands
        .track(this.#host.cli.kill())
        .catch((error: unknown) => this.#killFailed(error));
      // A stop or down cut short ends now that its containers are dead; a down must not race it.
      await this.settle();
      if (this.#host.config.removeOnStop) await this.#commands.track(this.#host.cli.down(0));
    } catch (error) {
      this.#host.setState(crashed());
      throw error;
    }
    this.#host.setState(States.stopped);
    await this.#host.watch.close();
  }

  /**
   * `compose kill` fails ("is not running") when the stop it cut short brought the containers
   * down first. What a kill promises is that nothing runs: ask the engine, and fail only if
   * something still does.
   */
  async #killFailed(error: unknown): Promise<void> {
    await this.settle();
    await this.#host.watch.snapshot();
    if (this.#host.watch.table.anyLive()) throw error;
    this.#host.logger.debug(
      { instanceId: this.#host.config.id, err: error },
      'compose kill found nothing left to kill',
    );
  }

  /** Opens the watch (events first, replaying from `sinceMs`), then takes a snapshot. */
  async open(sinceMs: number): Promise<void> {
    this.#host.watch.open(sinceMs);
    await this.#host.watch.snapshot();
    this.#host.watch.followRunning(sinceMs);
  }

  /** `compose stop -t N`, or `down` with removeOnStop. */
  stopStack(): Promise<void> {
    const { cli, config } = this.#host;
    const seconds = Math.ceil(config.stopTimeoutMs / 1000);
    return this.#commands.track(config.removeOnStop ? cli.down(seconds) : cli.stop(seconds));
  }

  #checkServices(): void {
    const selected = this.#host.watch.table.selected(this.#host.config.services);
    const missing = missingServices(selected, this.#host.config.services);
    if (missing.length === 0) return;
    throw this.#host.error(
      'ERR_INVALID_CONFIG',
      `expected \`services\` to name services of the stack, got ${JSON.stringify(missing)} (no container after \`compose up\`)`,
    );
  }
}

/** Settles with `promise`, or rejects with the abort reason first; `promise` keeps running. */
function raceAbort(promise: Promise<void>, signal: AbortSignal, instanceId: string): Promise<void> {
  promise.catch(() => undefined);
  if (signal.aborted) return Promise.reject(abortError(signal, instanceId));
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(abortError(signal, instanceId));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
