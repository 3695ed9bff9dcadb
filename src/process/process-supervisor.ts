import { createLineMatcher } from '../console/readiness.js';
import { BaseSupervisor } from '../core/base-supervisor.js';
import { describeGot } from '../errors.js';
import type { SupervisorOptions } from '../logger.js';
import { CrashPolicy } from '../policy/auto-restart.js';
import { type InstanceState, States } from '../state/instance-state.js';
import { sampleProcessTree } from '../stats/process-tree.js';
import type { ResourceStats } from '../supervisor.js';
import { delay } from '../util/abort.js';
import { CrashReporter } from './crash-reporter.js';
import {
  type NormalizedProcessConfig,
  normalizeProcessConfig,
  type ProcessSupervisorConfig,
} from './options.js';
import { ExecutableResolver } from './resolve-executable.js';
import { RunControl } from './run-control.js';

const noop = (): void => {};

/**
 * Supervises one game server as a local process tree: start (with an optional readiness line),
 * console in and out, the stop ladder (command, signal, SIGKILL) over the whole tree, crash
 * detection from the child's exit event, and automatic restarts under a crash-loop guard.
 */
export class ProcessSupervisor extends BaseSupervisor {
  readonly kind = 'process' as const;
  /** The validated config, defaults applied. */
  readonly config: NormalizedProcessConfig;
  readonly #control: RunControl;
  readonly #crashes: CrashReporter;
  #killing: Promise<void> | undefined;
  // A lifecycle call is in progress (kill() preempts it).
  #busy = false;

  constructor(config: ProcessSupervisorConfig, options: SupervisorOptions = {}) {
    const normalized = normalizeProcessConfig(config);
    super({
      instanceId: normalized.id,
      initial: normalized.executable === undefined ? States.unmanaged : States.stopped,
      logger: options.logger,
      outputBufferLines: normalized.outputBufferLines,
    });
    this.config = normalized;
    this.#control = new RunControl({
      instanceId: normalized.id,
      config: normalized,
      logger: this.logger,
      // Unmanaged instances never get as far as resolving.
      resolver: new ExecutableResolver(normalized.executable ?? '', normalized.env),
      isReadyLine:
        normalized.readiness === undefined
          ? undefined
          : createLineMatcher(normalized.readiness.pattern),
      state: () => this.state,
      setState: (next) => this.setState(next),
      error: (code, message, cause) => this.error(code, message, cause),
      publish: (line) => this.console.publish(line),
      uptimeSeconds: () => this.uptimeSeconds(),
      crashed: (run, exit, uptimeSeconds) => this.#crashes.report(run, exit, uptimeSeconds),
    });
    this.#crashes = new CrashReporter({
      instanceId: normalized.id,
      policy: new CrashPolicy(normalized.autoRestart),
      crashLines: normalized.crashLines,
      console: this.console,
      logger: this.logger,
      onCrash: (details) => this.emit('crash', details),
      onRestartScheduled: (info) => this.emit('restartScheduled', info),
      onGaveUp: (info) => this.emit('gaveUp', info),
      // A restart is due only if nothing happened since the crash.
      shouldRestart: () =>
        !this.disposed && this.#control.run === undefined && this.state.state === 'crashed',
      restart: () => this.#autoRestart(),
    });
  }

  /** The server's pid; undefined when nothing runs. */
  get pid(): number | undefined {
    return this.#control.run?.process.pid;
  }

  start(): Promise<void> {
    return this.#lifecycle(async (signal) => {
      this.#crashes.reset();
      await this.#start(signal);
    });
  }

  stop(): Promise<void> {
    return this.#lifecycle(async (signal) => {
      this.#crashes.reset();
      this.#assertManaged();
      const pending = this.#crashes.cancelRestart();
      const run = this.#control.run;
      if (run === undefined) {
        // Stopping a crashed instance that waits for its automatic restart cancels the restart.
        if (pending && this.state.state === 'crashed') {
          this.setState(States.stopped);
          return;
        }
        throw this.error('ERR_NOT_RUNNING', `Instance ${this.#name} is not running`);
      }
      await this.#control.bringDown(run, false, signal);
    });
  }

  restart(): Promise<void> {
    return this.#lifecycle(async (signal) => {
      this.#crashes.reset();
      this.#assertManaged();
      this.#crashes.cancelRestart();
      const run = this.#control.run;
      if (run !== undefined) await this.#control.bringDown(run, false, signal);
      await delay(this.config.restartDelayMs, signal, this.instanceId);
      await this.#start(signal);
    });
  }

  kill(): Promise<void> {
    try {
      this.assertNotDisposed();
      this.#assertManaged();
    } catch (error) {
      return Promise.reject(error);
    }
    this.#killing ??= this.#kill().finally(() => {
      this.#killing = undefined;
    });
    return this.#killing;
  }

  refresh(): Promise<InstanceState> {
    try {
      this.assertNotDisposed();
    } catch (error) {
      return Promise.reject(error);
    }
    return Promise.resolve(this.state);
  }

  async send(line: string): Promise<void> {
    this.assertNotDisposed();
    if (typeof line !== 'string' || /[\r\n]/.test(line)) {
      throw this.error(
        'ERR_INVALID_ARGUMENT',
        `Instance ${this.#name}: expected \`line\` to be a string without "\\r" or "\\n", got ${describeGot(line)}`,
      );
    }
    const run = this.#control.run;
    if (run === undefined || run.process.hasExited) {
      throw this.error('ERR_NOT_RUNNING', `Instance ${this.#name} is not running`);
    }
    try {
      await run.process.write(`${line}\n`);
    } catch (error) {
      throw this.error(
        'ERR_NOT_RUNNING',
        `Instance ${this.#name} did not take the line: ${String(error)}`,
        error,
      );
    }
  }

  async stats(): Promise<ResourceStats> {
    this.assertNotDisposed();
    const pid = this.pid;
    if (pid === undefined)
      throw this.error('ERR_NOT_RUNNING', `Instance ${this.#name} is not running`);
    const { cpuPercent, memoryBytes, processCount, time } = await sampleProcessTree(pid);
    return { cpuPercent, memoryBytes, processCount, time };
  }

  protected async disposeResources(): Promise<void> {
    this.#crashes.cancelRestart();
    this.preempt(this.error('ERR_DISPOSED', `Instance ${this.#name} has been disposed`));
    await this.#killing?.catch(noop);
    const run = this.#control.run;
    if (run === undefined) return;
    try {
      // The ladder (a tree a failed stop left behind gets SIGKILL again).
      await this.#control.bringDown(run, false);
    } catch (error) {
      this.logger.error({ instanceId: this.instanceId, err: error }, 'stop on dispose failed');
    }
  }

  get #name(): string {
    return JSON.stringify(this.instanceId);
  }

  #assertManaged(): void {
    if (this.state.state === 'unmanaged') {
      throw this.error('ERR_UNMANAGED', `Instance ${this.#name} has no executable configured`);
    }
  }

  /** Runs `operation` in the lifecycle queue, after any kill in progress. */
  #lifecycle<T>(operation: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return this.serialize(async (signal) => {
      if (this.#killing !== undefined) await this.#killing.catch(noop);
      this.#busy = true;
      try {
        return await operation(signal);
      } finally {
        this.#busy = false;
      }
    });
  }

  async #kill(): Promise<void> {
    const pending = this.#crashes.cancelRestart();
    this.#crashes.reset();
    // Whatever call is in progress ends now (a restart's pause, a start, a stop).
    const preempted = this.#busy;
    this.preempt(this.error('ERR_KILLED', `Instance ${this.#name} was killed`));
    const run = this.#control.run;
    if (run !== undefined) {
      await this.#control.bringDown(run, true);
      return;
    }
    if (pending && this.state.state === 'crashed') this.setState(States.stopped);
    if (!pending && !preempted) {
      throw this.error('ERR_NOT_RUNNING', `Instance ${this.#name} is not running`);
    }
  }

  async #start(signal: AbortSignal): Promise<void> {
    this.#assertManaged();
    this.#crashes.cancelRestart();
    await this.#control.start(signal);
  }

  #autoRestart(): void {
    this.#lifecycle(async (signal) => {
      if (this.state.state !== 'crashed' || this.#control.run !== undefined) return;
      await this.#start(signal);
    }).catch((error: unknown) => {
      this.logger.warn({ instanceId: this.instanceId, err: error }, 'automatic restart failed');
    });
  }
}
