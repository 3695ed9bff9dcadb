import { BaseSupervisor } from '../core/base-supervisor.js';
import { describeGot, type GamewardError, isGamewardError } from '../errors.js';
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
import { RunControl } from './run-control.js';

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
      config: normalized,
      logger: this.logger,
      state: () => this.state,
      setState: (next) => this.setState(next),
      publish: (line) => this.console.publish(line),
      uptimeSeconds: () => this.uptimeSeconds(),
      crashed: (run, exit, uptimeSeconds) => this.#crashes.report(run, exit, uptimeSeconds),
    });
    this.#crashes = new CrashReporter({
      instanceId: normalized.id,
      policy: new CrashPolicy(normalized.autoRestart),
      logger: this.logger,
      emit: (event, ...args) => this.emit(event, ...args),
      restart: () => this.#autoRestart(),
    });
  }

  /** The server's pid; undefined when nothing runs. */
  get pid(): number | undefined {
    return this.#control.run?.process.pid;
  }

  start(): Promise<void> {
    // The user takes over at the call, not when the queue reaches it: a restart pending from a
    // crash a moment ago never begins (the same in stop() and restart()).
    this.#crashes.takeOver();
    return this.#lifecycle((signal) => {
      this.#crashes.takeOver();
      return this.#control.start(signal);
    });
  }

  stop(): Promise<void> {
    const pendingAtCall = this.#crashes.takeOver();
    return this.#lifecycle(async (signal) => {
      const pending = this.#crashes.takeOver() || pendingAtCall;
      const run = this.#control.run;
      if (run !== undefined) return this.#control.bringDown(run, false, signal);
      // Stopping a crashed instance whose automatic restart is pending cancels the restart.
      if (!pending || this.state.state !== 'crashed') throw this.#notRunning();
      this.setState(States.stopped);
    });
  }

  restart(): Promise<void> {
    this.#crashes.takeOver();
    return this.#lifecycle(async (signal) => {
      this.#crashes.takeOver();
      const run = this.#control.run;
      if (run !== undefined) await this.#control.bringDown(run, false, signal);
      await delay(this.config.restartDelayMs, signal, this.instanceId);
      await this.#control.start(signal);
    });
  }

  kill(): Promise<void> {
    try {
      this.#assertManaged();
    } catch (error) {
      return Promise.reject(error);
    }
    return this.killWith((cutShort) => this.#kill(cutShort));
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
    const process = this.#control.run?.process;
    if (process === undefined || process.hasExited) throw this.#notRunning();
    try {
      await process.write(`${line}\n`);
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
    if (pid === undefined) throw this.#notRunning();
    const { cpuPercent, memoryBytes, processCount, time } = await sampleProcessTree(pid);
    return { cpuPercent, memoryBytes, processCount, time };
  }

  protected async disposeResources(): Promise<void> {
    this.#crashes.takeOver();
    // Calls queued behind this one fail on their own (the supervisor is disposed).
    this.preempt(this.error('ERR_DISPOSED', `Instance ${this.#name} has been disposed`));
    await this.killSettled();
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

  #notRunning(): GamewardError {
    return this.error('ERR_NOT_RUNNING', `Instance ${this.#name} is not running`);
  }

  #assertManaged(): void {
    if (this.state.state === 'unmanaged') {
      throw this.error('ERR_UNMANAGED', `Instance ${this.#name} has no executable configured`);
    }
  }

  /** Runs `operation` in the lifecycle queue, after any kill in progress. */
  #lifecycle<T>(operation: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return this.lifecycleCall((signal) => {
      this.#assertManaged();
      return operation(signal);
    });
  }

  async #kill(cutShort: boolean): Promise<void> {
    const pending = this.#crashes.takeOver();
    const run = this.#control.run;
    if (run !== undefined) {
      await this.#control.bringDown(run, true);
      return;
    }
    if (!pending && !cutShort) throw this.#notRunning();
    if (this.state.state === 'crashed') this.setState(States.stopped);
  }

  #autoRestart(): void {
    this.#lifecycle(async (signal) => {
      // A call queued before this one already started it, or stopped it for good.
      if (this.state.state !== 'crashed' || this.#control.run !== undefined) return;
      await this.#control.start(signal);
    }).catch((error: unknown) => {
      if (isGamewardError(error, 'ERR_KILLED') || isGamewardError(error, 'ERR_DISPOSED')) return;
      this.logger.warn({ instanceId: this.instanceId, err: error }, 'automatic restart failed');
    });
  }
}
