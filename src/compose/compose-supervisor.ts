import { BaseSupervisor } from '../core/base-supervisor.js';
import type { GamewardError } from '../errors.js';
import type { SupervisorOptions } from '../logger.js';
import { crashed, type InstanceState, States } from '../state/instance-state.js';
import type { ResourceStats } from '../supervisor.js';
import { delay } from '../util/abort.js';
import { ComposeCli } from './compose-cli.js';
import {
  type ComposeSupervisorConfig,
  type NormalizedComposeConfig,
  normalizeComposeConfig,
} from './options.js';
import { StackLifecycle } from './stack-lifecycle.js';
import { StackObserver } from './stack-observer.js';
import { StackWatch } from './stack-watch.js';
import { sumDockerStats } from './stats.js';

/**
 * A docker-compose stack as one instance. Its state comes from the selected services'
 * containers: one `docker events` stream keeps it current, snapshots (`compose ps` + inspect)
 * reconcile it, nothing polls. Lifecycle goes through the npm `docker-compose` package.
 * See docs/compose.md.
 */
export class ComposeSupervisor extends BaseSupervisor {
  readonly kind = 'compose' as const;
  /** The validated config, defaults applied. */
  readonly config: NormalizedComposeConfig;
  readonly #cli: ComposeCli;
  readonly #watch: StackWatch;
  readonly #observer: StackObserver;
  readonly #lifecycle: StackLifecycle;
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
    this.#watch = new StackWatch({
      config: normalized,
      cli: this.#cli,
      logger: this.logger,
      publish: (line) => this.#observer.onLine(line),
      onChange: (change) => this.#observer.onChange(change),
      onResync: () => this.#observer.onResync(),
    });
    this.#observer = new StackObserver({
      config: normalized,
      watch: this.#watch,
      logger: this.logger,
      state: () => this.state,
      setState: (next) => this.setState(next),
      busy: () => this.#busy,
      uptimeSeconds: () => this.uptimeSeconds(),
      publish: (line) => this.console.publish(line),
      recentOutput: () => this.recentOutput(),
      emitCrash: (details) => this.emit('crash', details),
      error: (code, what) => this.#named(code, what),
    });
    this.#lifecycle = new StackLifecycle({
      config: normalized,
      cli: this.#cli,
      watch: this.#watch,
      observer: this.#observer,
      logger: this.logger,
      state: () => this.state,
      setState: (next) => this.setState(next),
      notRunning: () => this.#notRunning(),
      error: (code, what) => this.#named(code, what),
    });
  }

  /** Pids of the docker CLI children this instance holds now (events stream, log followers). */
  get childPids(): number[] {
    return this.#watch.pids;
  }

  start(): Promise<void> {
    return this.#operation((signal) => this.#lifecycle.start(signal));
  }

  stop(): Promise<void> {
    return this.#operation((signal) => this.#lifecycle.stop(signal));
  }

  restart(): Promise<void> {
    return this.#operation(async (signal) => {
      if (this.#lifecycle.runsSomething()) await this.#lifecycle.stop(signal);
      await delay(this.config.restartDelayMs, signal, this.instanceId);
      await this.#lifecycle.start(signal);
    });
  }

  /**
   * `compose kill` now. Cuts the call in progress short (a start, a stop, a restart's pause; it
   * rejects `ERR_KILLED`), then `stopped`. `ERR_NOT_RUNNING` only when there was nothing to kill
   * or to cut short.
   */
  kill(): Promise<void> {
    return this.killWith((cutShort) => this.#kill(cutShort));
  }

  /** Asks the engine now; adopts a stack that is already up without touching its containers. */
  refresh(): Promise<InstanceState> {
    return this.#operation(async () => {
      await this.#lifecycle.open(Date.now());
      this.#observer.applyView();
      return this.state;
    });
  }

  /** Compose services have no attached stdin (`stdin_open` is off by default): no console input. */
  send(line: string): Promise<void> {
    if (typeof line !== 'string') {
      const got = `expected \`line\` to be a string, got ${typeof line}`;
      return Promise.reject(this.#named('ERR_INVALID_ARGUMENT', got));
    }
    const why =
      'is a compose stack: its services have no attached stdin, so send() is not supported (use RCON or `docker compose exec`)';
    return Promise.reject(this.#named('ERR_UNSUPPORTED', why));
  }

  /** Summed `docker stats` of the stack's running containers; zeros when none runs. */
  async stats(): Promise<ResourceStats> {
    this.assertNotDisposed();
    const ids = this.#watch.table
      .all()
      .filter((c) => c.status === 'running')
      .map((c) => c.id);
    if (ids.length === 0) {
      return { cpuPercent: 0, memoryBytes: 0, processCount: 0, time: Date.now() };
    }
    const args = ['stats', '--no-stream', '--no-trunc', '--format', '{{json .}}', ...ids];
    const { stdout } = await this.#cli.docker('docker stats', args);
    return sumDockerStats(stdout);
  }

  /** The latest start of a selected container (engine clock), while running. */
  protected override runningSince(): number | undefined {
    if (this.state.state !== 'running') return undefined;
    const starts = this.#watch.table
      .selected(this.config.services)
      .flatMap((c) => (c.startedAt === undefined ? [] : [c.startedAt]));
    return starts.length === 0 ? super.runningSince() : Math.max(...starts);
  }

  protected async disposeResources(): Promise<void> {
    this.preempt(this.#named('ERR_DISPOSED', 'has been disposed'));
    await this.settled();
    await this.killSettled();
    // A stop cut short runs on: let it end rather than race a second one against it.
    await this.#lifecycle.settle();
    try {
      const s = this.state.state;
      const known = this.#watch.table.all().length > 0 || s === 'starting' || s === 'stopping';
      if (this.config.stopOnDispose && s !== 'stopped' && known) {
        this.#observer.endPhase();
        if (s !== 'stopping') this.setState(States.stopping);
        await this.#lifecycle.stopStack().then(
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
      this.#observer.endPhase();
      // No docker or compose child outlives dispose: streams, followers, snapshots, stats.
      await this.#watch.dispose();
      await this.#cli.close();
    }
  }

  async #kill(cutShort: boolean): Promise<void> {
    if (this.#lifecycle.runsSomething()) {
      await this.#lifecycle.kill();
      return;
    }
    if (!cutShort) throw this.#notRunning();
    // A start or a restart's pause cut short before anything ran: a crash is over too.
    if (this.state.state === 'crashed') this.setState(States.stopped);
  }

  /** Runs `run` in the lifecycle queue, after any kill in progress; a stopped stack holds nothing. */
  #operation<T>(run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return this.lifecycleCall(async (signal) => {
      this.#busy = true;
      try {
        return await run(signal);
      } finally {
        this.#busy = false;
        if (this.state.state === 'stopped') await this.#watch.close();
      }
    });
  }

  #notRunning(): GamewardError {
    const state = this.state.state;
    return this.#named('ERR_NOT_RUNNING', `is not running (state "${state}", nothing of it runs)`);
  }

  #named(code: GamewardError['code'], what: string): GamewardError {
    return this.error(code, `Instance ${JSON.stringify(this.instanceId)} ${what}`);
  }
}
