import { createLineMatcher } from '../console/readiness.js';
import { BaseSupervisor } from '../core/base-supervisor.js';
import { GamewardError, isGamewardError } from '../errors.js';
import type { SupervisorOptions } from '../logger.js';
import { crashed, type InstanceState, States } from '../state/instance-state.js';
import type { OutputLine, ResourceStats, SupervisorKind } from '../supervisor.js';
import { abortError, delay } from '../util/abort.js';
import { ComposeCli } from './compose-cli.js';
import type { ContainerInfo, TableChange } from './container-table.js';
import {
  type ComposeSupervisorConfig,
  type NormalizedComposeConfig,
  normalizeComposeConfig,
} from './options.js';
import { adoptedState, missingServices, type StackView, viewStack } from './reconcile.js';
import { StackWatch } from './stack-watch.js';
import { StartingPhase } from './starting-phase.js';
import { sumDockerStats } from './stats.js';

// The crash event waits this long at most for the dead container's last log lines.
const CRASH_LINES_WAIT_MS = 1000;

/**
 * A docker-compose stack as one instance. State comes from the selected services' containers:
 * engine events (one `docker events` stream) keep it current, snapshots (`compose ps` + inspect)
 * reconcile it; nothing polls. Lifecycle goes through the npm `docker-compose` package. See
 * docs/compose.md.
 */
export class ComposeSupervisor extends BaseSupervisor {
  readonly kind: SupervisorKind = 'compose';
  /** The validated config, defaults applied. */
  readonly config: NormalizedComposeConfig;
  readonly #cli: ComposeCli;
  readonly #watch: StackWatch;
  readonly #matches: ((text: string) => boolean) | undefined;
  #phase: StartingPhase | undefined;
  #killing: Promise<void> | undefined;
  #upInFlight: Promise<void> | undefined;
  // A lifecycle operation owns the state: events then only record and report crashes.
  #busy = false;

  constructor(config: ComposeSupervisorConfig, options: SupervisorOptions = {}) {
    const normalized = normalizeComposeConfig(config);
    super({
      instanceId: normalized.id,
      initial: States.stopped,
      logger: options.logger,
      outputBufferLines: normalized.outputBufferLines,
    });
    this.config = normalized;
    this.#cli = new ComposeCli(normalized);
    const { readiness } = normalized;
    this.#matches = readiness === undefined ? undefined : createLineMatcher(readiness.pattern);
    this.#watch = new StackWatch({
      config: normalized,
      cli: this.#cli,
      logger: this.logger,
      publish: (line) => this.#onLine(line),
      onChange: (change) => this.#onChange(change),
      // While an operation owns the state, a resync may only complete a start.
      onResync: () => (this.#busy ? this.#evaluate() : this.#applyView()),
    });
  }

  /** Pids of the docker CLI children this instance holds now (events stream, log followers). */
  get childPids(): number[] {
    return this.#watch.pids;
  }

  start(): Promise<void> {
    return this.#operation((signal) => this.#start(signal));
  }

  stop(): Promise<void> {
    return this.#operation((signal) => this.#stop(signal));
  }

  restart(): Promise<void> {
    return this.#operation(async (signal) => {
      const s = this.state.state;
      if (s === 'running' || s === 'starting' || (s === 'crashed' && this.#watch.table.anyLive())) {
        await this.#stop(signal);
      }
      await delay(this.config.restartDelayMs, signal, this.instanceId);
      await this.#start(signal);
    });
  }

  /** `compose kill` now: preempts a start or stop in progress, then `stopped`. */
  kill(): Promise<void> {
    try {
      this.assertNotDisposed();
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.#killing !== undefined) return this.#killing;
    const s = this.state.state;
    if (s === 'stopped' || (s === 'crashed' && !this.#watch.table.anyLive())) {
      return Promise.reject(this.#notRunning());
    }
    this.preempt(this.#named('ERR_KILLED', 'was killed'));
    this.#killing = this.#kill().finally(() => {
      this.#killing = undefined;
    });
    return this.#killing;
  }

  /** Asks the engine now; adopts a stack that is already up without touching its containers. */
  refresh(): Promise<InstanceState> {
    return this.#operation(async () => {
      await this.#open(Date.now());
      this.#applyView();
      if (this.state.state === 'stopped') await this.#watch.close();
      return this.state;
    });
  }

  /** Compose services have no attached stdin (`stdin_open` is off by default): no console input. */
  send(line: string): Promise<void> {
    if (typeof line !== 'string') {
      return Promise.reject(
        this.#named('ERR_INVALID_ARGUMENT', `expected \`line\` to be a string, got ${typeof line}`),
      );
    }
    return Promise.reject(
      this.#named(
        'ERR_UNSUPPORTED',
        'is a compose stack: its services have no attached stdin, so send() is not supported (use RCON or `docker compose exec`)',
      ),
    );
  }

  /** Summed `docker stats` of the stack's running containers; zeros when none runs. */
  async stats(): Promise<ResourceStats> {
    const ids = this.#watch.table
      .all()
      .filter((c) => c.status === 'running')
      .map((c) => c.id);
    if (ids.length === 0)
      return { cpuPercent: 0, memoryBytes: 0, processCount: 0, time: Date.now() };
    const args = ['stats', '--no-stream', '--no-trunc', '--format', '{{json .}}', ...ids];
    const { stdout } = await this.#cli.docker('docker stats', args);
    return sumDockerStats(stdout);
  }

  /** The latest start of a selected container (engine clock), while running. */
  protected override runningSince(): number | undefined {
    if (this.state.state !== 'running') return undefined;
    const starts = this.#selected().flatMap((c) =>
      c.startedAt === undefined ? [] : [c.startedAt],
    );
    return starts.length === 0 ? super.runningSince() : Math.max(...starts);
  }

  protected async disposeResources(): Promise<void> {
    this.preempt(this.#named('ERR_DISPOSED', 'has been disposed'));
    await this.settled();
    await this.#killing?.catch(() => undefined);
    try {
      const s = this.state.state;
      const anything = this.#watch.table.all().length > 0 || s === 'starting' || s === 'stopping';
      if (this.config.stopOnDispose && s !== 'stopped' && anything) {
        this.#endPhase();
        if (s !== 'stopping') this.setState(States.stopping);
        await this.#stopStack().then(
          () => this.setState(States.stopped),
          (error: unknown) => {
            this.logger.error(
              { instanceId: this.instanceId, err: error },
              'stop on dispose failed',
            );
            this.setState(crashed());
          },
        );
      }
    } finally {
      await this.#watch.dispose();
    }
  }

  async #start(signal: AbortSignal): Promise<void> {
    const s = this.state.state;
    if (s === 'starting' || s === 'running')
      throw this.#named('ERR_ALREADY_RUNNING', `is already ${s}`);
    const t0 = Date.now();
    await this.#open(t0);
    if (signal.aborted) throw abortError(signal, this.instanceId);
    if (this.#view().kind === 'up') {
      this.#watch.followRunning(Date.now());
      this.setState(States.running);
      throw this.#named('ERR_ALREADY_RUNNING', 'is already running (its stack was up: adopted)');
    }
    const previous = this.state;
    this.#endPhase();
    this.setState(States.starting);
    const phase = this.#beginPhase(() =>
      this.#named(
        'ERR_READINESS_TIMEOUT',
        `did not get ready within ${this.config.startTimeoutMs} ms`,
      ),
    );
    try {
      this.#upInFlight = this.#cli.up();
      await this.#upInFlight.finally(() => {
        this.#upInFlight = undefined;
      });
      if (signal.aborted) throw abortError(signal, this.instanceId);
      await this.#watch.snapshot();
      if (signal.aborted) throw abortError(signal, this.instanceId);
      this.#watch.followRunning(t0);
      this.#checkServices();
      phase.armed = true;
      this.#evaluate();
      await phase.wait(signal);
    } catch (error) {
      if (signal.aborted) throw abortError(signal, this.instanceId);
      if (phase === this.#phase) this.#endPhase();
      await this.#failStart(error, previous, signal);
      throw error;
    }
  }

  /** Leaves a failed start where it belongs: never `starting`. */
  async #failStart(error: unknown, previous: InstanceState, signal: AbortSignal): Promise<void> {
    if (this.state.state !== 'starting') return; // A container died: the crash set the state.
    const code = isGamewardError(error) ? error.code : undefined;
    const engineGone = code === 'ERR_ENGINE_UNAVAILABLE' || code === 'ERR_COMPOSE_MISSING';
    this.setState(States.stopping);
    if (!engineGone) {
      // Nothing half-started is left behind (testcontainers does the same after a failed up).
      await this.#stopStack().catch((cleanup: unknown) => {
        this.logger.warn(
          { instanceId: this.instanceId, err: cleanup },
          'cleanup after failed start',
        );
      });
    }
    if (signal.aborted) return;
    if (code === 'ERR_READINESS_TIMEOUT') {
      this.setState(crashed());
    } else if (previous.state === 'crashed') {
      this.setState(previous);
    } else {
      this.setState(States.stopped);
      await this.#watch.close();
    }
  }

  async #stop(signal: AbortSignal): Promise<void> {
    const s = this.state.state;
    if (s === 'stopped' || (s === 'crashed' && !this.#watch.table.anyLive())) {
      throw this.#notRunning();
    }
    this.#endPhase();
    this.setState(States.stopping);
    const stopping = this.#stopStack();
    try {
      await raceAbort(stopping, signal, this.instanceId);
    } catch (error) {
      if (signal.aborted) throw error;
      this.setState(crashed());
      throw error;
    }
    this.setState(States.stopped);
    await this.#watch.close();
  }

  async #kill(): Promise<void> {
    this.#endPhase();
    if (this.state.state !== 'stopping') this.setState(States.stopping);
    // compose up cannot be cancelled: let it finish, then kill what it started.
    await this.#upInFlight?.catch(() => undefined);
    try {
      await this.#cli.kill();
      if (this.config.removeOnStop) await this.#cli.down(0);
    } catch (error) {
      this.setState(crashed());
      throw error;
    }
    this.setState(States.stopped);
    await this.#watch.close();
  }

  /** Opens the watch (events first, replaying from `sinceMs`), then takes a snapshot. */
  async #open(sinceMs: number): Promise<void> {
    this.#watch.open(sinceMs);
    try {
      await this.#watch.snapshot();
    } catch (error) {
      if (this.state.state === 'stopped') await this.#watch.close();
      throw error;
    }
    this.#watch.followRunning(sinceMs);
  }

  #stopStack(): Promise<void> {
    const seconds = Math.ceil(this.config.stopTimeoutMs / 1000);
    return this.config.removeOnStop ? this.#cli.down(seconds) : this.#cli.stop(seconds);
  }

  #operation<T>(run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return this.serialize(async (signal) => {
      await this.#killing?.catch(() => undefined);
      this.#busy = true;
      try {
        return await run(signal);
      } finally {
        this.#busy = false;
      }
    });
  }

  #onChange(change: TableChange): void {
    const c = change.container;
    if (c === undefined || !this.#isSelected(c)) return;
    const s = this.state.state;
    if (s === 'stopping' || s === 'stopped') return;
    // A line can precede the start event: read the log from the end of the previous run.
    if (change.kind === 'start') this.#watch.logs.follow(c, c.finishedAt ?? 0);
    if (change.kind === 'die') {
      if (s === 'running' || s === 'starting') this.#crash(c.exitCode, c);
      return;
    }
    if (change.kind === 'start' && s === 'crashed') {
      // A restart policy (or someone) brought it back.
      if (!this.#busy) this.#externalStart();
      return;
    }
    this.#evaluate();
  }

  /** Re-derives the state from the table (after refresh, or a resync after the stream returned). */
  #applyView(): void {
    const view = this.#view();
    const s = this.state.state;
    if (s === 'starting' && this.#phase !== undefined) {
      if (view.kind === 'down' || view.kind === 'absent') {
        this.#crash(view.kind === 'down' ? view.exitCode : undefined, undefined);
      } else this.#evaluate();
      return;
    }
    if (s === 'stopping') return;
    const next = adoptedState(this.state, view);
    const wasUp = s === 'running' || s === 'starting';
    if (next.state === 'crashed' && wasUp) {
      this.#crash(next.exitCode, undefined);
      return;
    }
    this.setState(next);
    if (next.state === 'starting') this.#externalStart();
    if (next.state === 'stopped') this.#closeInBackground();
  }

  #view(): StackView {
    return viewStack(this.#watch.table, this.config.services);
  }

  /** `starting` → `running` once every selected container is up and the ready line was seen. */
  #evaluate(): void {
    const phase = this.#phase;
    if (this.state.state !== 'starting' || phase === undefined || !phase.armed) return;
    const view = this.#view();
    if (view.kind === 'up' && phase.lineSeen) {
      this.#phase = undefined;
      this.setState(States.running);
      phase.succeed();
    } else if (this.#selected().some((c) => c.hasHealthcheck === undefined)) {
      // A container created since the last snapshot: only inspect tells whether it has a healthcheck.
      this.#watch.resync();
    }
  }

  #externalStart(): void {
    if (this.state.state === 'crashed') this.setState(States.starting);
    const phase = this.#beginPhase(() => {
      if (this.#phase === phase && this.state.state === 'starting') this.setState(crashed());
      return this.#named('ERR_READINESS_TIMEOUT', 'did not get ready after its restart');
    });
    phase.armed = true;
    this.#evaluate();
  }

  #crash(exitCode: number | undefined, container: ContainerInfo | undefined): void {
    const uptimeSeconds = this.uptimeSeconds();
    const phase = this.#phase;
    this.#endPhase(false);
    this.setState(crashed({ exitCode }));
    const who =
      container === undefined
        ? 'a selected service'
        : `service ${JSON.stringify(container.service)}`;
    const error = new GamewardError(
      'ERR_COMPOSE',
      `Instance ${JSON.stringify(this.instanceId)}: ${who} exited${exitCode === undefined ? '' : ` with code ${exitCode}`} before the stack was running`,
      { instanceId: this.instanceId, exitCode },
    );
    phase?.fail(error);
    this.#reportCrash(exitCode, uptimeSeconds, container).catch((e: unknown) => {
      this.logger.error({ instanceId: this.instanceId, err: e }, 'crash report failed');
    });
  }

  async #reportCrash(
    exitCode: number | undefined,
    uptimeSeconds: number,
    container: ContainerInfo | undefined,
  ): Promise<void> {
    // The events stream can be ahead of the logs: let the dead container's last lines arrive.
    if (container !== undefined) await this.#watch.logs.drained(container.id, CRASH_LINES_WAIT_MS);
    const lines = this.recentOutput().filter(
      (l) => container === undefined || l.service === container.service,
    );
    this.logger.warn({ instanceId: this.instanceId, exitCode, uptimeSeconds }, 'stack crashed');
    this.emit('crash', {
      ...(exitCode === undefined ? {} : { exitCode }),
      uptimeSeconds,
      lastLines: lines.slice(Math.max(0, lines.length - this.config.crashLines)),
    });
  }

  #onLine(line: OutputLine): void {
    this.console.publish(line);
    const phase = this.#phase;
    if (phase !== undefined && !phase.lineSeen && this.#matches?.(line.text) === true) {
      phase.lineSeen = true;
      this.#evaluate();
    }
  }

  #beginPhase(onTimeout: () => Error): StartingPhase {
    this.#endPhase();
    const phase = new StartingPhase(
      this.#matches !== undefined,
      this.config.startTimeoutMs,
      onTimeout,
    );
    this.#phase = phase;
    return phase;
  }

  /** Drops the current phase; a start() still waiting on it is told it was cancelled. */
  #endPhase(notify = true): void {
    const phase = this.#phase;
    this.#phase = undefined;
    if (notify && phase !== undefined && !phase.settled) {
      phase.fail(this.#named('ERR_ABORTED', 'start was cancelled'));
    }
  }

  #checkServices(): void {
    const missing = missingServices(this.#selected(), this.config.services);
    if (missing.length === 0) return;
    throw this.#named(
      'ERR_INVALID_CONFIG',
      `expected \`services\` to name services of the stack, got ${JSON.stringify(missing)} (no container after \`compose up\`)`,
    );
  }

  #closeInBackground(): void {
    this.#watch.close().catch((error: unknown) => {
      this.logger.warn({ instanceId: this.instanceId, err: error }, 'closing the watch failed');
    });
  }

  #selected(): ContainerInfo[] {
    return this.#watch.table.selected(this.config.services);
  }

  #isSelected(c: ContainerInfo): boolean {
    return this.config.services === undefined || this.config.services.includes(c.service);
  }

  #notRunning(): GamewardError {
    return this.#named(
      'ERR_NOT_RUNNING',
      `is not running (state "${this.state.state}", nothing of its stack runs)`,
    );
  }

  #named(code: GamewardError['code'], what: string): GamewardError {
    return this.error(code, `Instance ${JSON.stringify(this.instanceId)} ${what}`);
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
