import { dirname } from 'node:path';
import { createLineMatcher, type ReadinessConfig } from '../console/readiness.js';
import {
  describeValue,
  type ErrorCode,
  GamewardError,
  type GamewardErrorOptions,
} from '../errors.js';
import type { Logger } from '../logger.js';
import { sendSignal } from '../os/proc-table.js';
import type { CrashExit } from '../policy/auto-restart.js';
import { crashed, type InstanceState, States } from '../state/instance-state.js';
import type { OutputLine } from '../supervisor.js';
import { hasSeparator, type NormalizedProcessConfig } from './options.js';
import { ExecutableResolver } from './resolve-executable.js';
import { ServerRun } from './server-run.js';
import type { ExitInfo } from './spawn.js';
import type { StopOutcome } from './terminate.js';

/** What {@link RunControl} needs from its supervisor. */
export interface RunControlHost {
  readonly config: NormalizedProcessConfig;
  readonly logger: Logger;
  state(): InstanceState;
  setState(next: InstanceState): void;
  publish(line: OutputLine): void;
  uptimeSeconds(): number;
  crashed(run: ServerRun, exit: CrashExit, uptimeSeconds: number): void;
}

/**
 * Starts and brings down server runs and keeps the state in step with them. One call at a time:
 * the supervisor's lifecycle queue calls it (and kill(), which preempts that queue).
 */
export class RunControl {
  readonly #host: RunControlHost;
  readonly #name: string;
  readonly #resolver: ExecutableResolver;
  readonly #isReadyLine: ((text: string) => boolean) | undefined;
  /** The run whose tree may still be alive: set at spawn, cleared once it is known to be gone. */
  run: ServerRun | undefined;

  constructor(host: RunControlHost) {
    const { config } = host;
    this.#host = host;
    this.#name = JSON.stringify(config.id);
    // Unmanaged instances never get as far as resolving.
    this.#resolver = new ExecutableResolver(config.executable ?? '', config.env);
    this.#isReadyLine = config.readiness && createLineMatcher(config.readiness.pattern);
  }

  /** stopped | crashed → starting → running; rejects with the abort reason when preempted. */
  async start(signal: AbortSignal): Promise<void> {
    const host = this.#host;
    const { config } = host;
    const current = host.state().state;
    if (current === 'starting' || current === 'running') {
      throw this.#error('ERR_ALREADY_RUNNING', `Instance ${this.#name} is already ${current}`);
    }
    // What a failed stop left behind goes first, or a second server would run beside it.
    if (this.run !== undefined) await this.bringDown(this.run, true, signal);
    const file = await this.#resolver.resolve();
    if (file === undefined) {
      const where = hasSeparator(config.executable ?? '') ? '' : ' on PATH';
      throw this.#error(
        'ERR_EXECUTABLE_NOT_FOUND',
        `Instance ${this.#name}: executable ${JSON.stringify(config.executable)} not found${where}`,
      );
    }
    signal.throwIfAborted();
    // Spawned first: a `starting` listener that kills finds the run to bring down.
    const run = this.#spawn(file);
    host.setState(States.starting);
    try {
      await run.process.spawned;
    } catch (error) {
      // Preempted: the kill or dispose that aborted us brings this run down and settles the state.
      signal.throwIfAborted();
      this.run = undefined;
      host.setState(crashed());
      const why = error instanceof Error ? error.message : String(error);
      throw this.#error(
        'ERR_SPAWN_FAILED',
        `Instance ${this.#name}: could not spawn ${JSON.stringify(file)}: ${why}`,
        { cause: error },
      );
    }
    signal.throwIfAborted();
    if (config.readiness === undefined) {
      if (run.process.hasExited) throw this.#exitedBeforeReady(run);
      host.setState(States.running);
      return;
    }
    const outcome = await run.waitForReady(config.readiness.timeoutMs, signal);
    if (outcome === 'ready') return;
    if (outcome === 'exited') throw this.#exitedBeforeReady(run);
    await this.#readinessTimedOut(run, config.readiness, signal);
  }

  /**
   * Runs the stop ladder (or SIGKILL with `force`) and settles the state: `stopped` (or `done`),
   * or `crashed` with `ERR_STOP_FAILED` when even SIGKILL left something alive. An abort (kill
   * preempting a stop) rejects with its reason and leaves the state to the killer.
   */
  async bringDown(
    run: ServerRun,
    force: boolean,
    signal?: AbortSignal,
    done: InstanceState = States.stopped,
  ): Promise<void> {
    signal?.throwIfAborted();
    const host = this.#host;
    run.stopRequested = true;
    if (host.state().state !== 'stopping') host.setState(States.stopping);
    let outcome: StopOutcome | undefined;
    let failure: unknown;
    try {
      outcome = await abortable(run.bringDown(force), signal);
    } catch (error) {
      if (signal?.aborted) throw error;
      // Not expected (the process table could not be read), but never leave `stopping` behind.
      failure = error;
    }
    if (outcome?.ok) {
      if (this.run === run) this.run = undefined;
      host.setState(done);
      return;
    }
    host.setState(crashed(run.process.exit ?? {}));
    const what =
      outcome === undefined
        ? `could not bring the process tree down: ${String(failure)}`
        : `processes ${outcome.survivors.join(', ')} still alive ${host.config.killGraceMs} ms after SIGKILL`;
    throw this.#error('ERR_STOP_FAILED', `Instance ${this.#name}: ${what}`, { cause: failure });
  }

  #spawn(file: string): ServerRun {
    const host = this.#host;
    const { config } = host;
    const run = new ServerRun({
      instanceId: config.id,
      file,
      args: config.args,
      cwd: config.cwd ?? dirname(file),
      env: config.env,
      isReadyLine: this.#isReadyLine,
      ladder: config,
      crashLines: config.crashLines,
      logger: host.logger,
      publish: (line) => host.publish(line),
      onReady: (ready) => {
        if (this.run === ready && host.state().state === 'starting') {
          host.setState(States.running);
        }
      },
      onExit: (exited, info) => this.#onExit(exited, info),
    });
    this.run = run;
    return run;
  }

  /** The child's exit event: a crash unless a stop or kill asked for it. Never throws. */
  #onExit(run: ServerRun, info: ExitInfo): void {
    const host = this.#host;
    host.logger.info({ instanceId: host.config.id, ...info }, 'server exited');
    if (run.stopRequested) return;
    if (this.run === run) this.run = undefined;
    const uptimeSeconds = host.uptimeSeconds();
    // What is left of its process group goes too, so a restart finds the ports free.
    sendSignal(-(run.process.groupId as number), 'SIGKILL');
    // The verdict first: a state listener that reacts to `crashed` (kill, stop) must see it pending.
    host.crashed(run, info, uptimeSeconds);
    // Legal from every state a run can be in (only `unmanaged` refuses `crashed`).
    host.setState(crashed(info));
  }

  #exitedBeforeReady(run: ServerRun): GamewardError {
    const exit = run.process.exit;
    const how = exit?.signal === undefined ? `with code ${exit?.exitCode}` : `on ${exit.signal}`;
    return this.#error(
      'ERR_SPAWN_FAILED',
      `Instance ${this.#name} exited ${how} before it was ready`,
      {
        exitCode: exit?.exitCode,
      },
    );
  }

  /** No ready line in time: the ladder stops the tree, the state ends crashed. */
  async #readinessTimedOut(
    run: ServerRun,
    { pattern, timeoutMs }: ReadinessConfig,
    signal: AbortSignal,
  ): Promise<never> {
    let stopFailure: unknown;
    try {
      await this.bringDown(run, false, signal, crashed());
    } catch (error) {
      stopFailure = error;
    }
    // Killed (even by a listener of the `crashed` state): no crash to report, the kill decides.
    signal.throwIfAborted();
    this.#host.crashed(run, {}, 0);
    throw this.#error(
      'ERR_READINESS_TIMEOUT',
      `Instance ${this.#name}: no console line matched ${describeValue(pattern)} within ${timeoutMs} ms`,
      { cause: stopFailure },
    );
  }

  #error(code: ErrorCode, message: string, options: GamewardErrorOptions = {}): GamewardError {
    return new GamewardError(code, message, { ...options, instanceId: this.#host.config.id });
  }
}

/** `promise`, or a rejection with the abort reason as soon as `signal` aborts (or if it has). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}
