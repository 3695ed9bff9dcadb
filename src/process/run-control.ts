import { dirname } from 'node:path';
import { describeValue, type ErrorCode, type GamewardError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { CrashExit } from '../policy/auto-restart.js';
import { crashed, type InstanceState, States } from '../state/instance-state.js';
import type { OutputLine } from '../supervisor.js';
import type { NormalizedProcessConfig } from './options.js';
import { sendSignal } from './proc-table.js';
import type { ExecutableResolver } from './resolve-executable.js';
import { ServerRun } from './server-run.js';
import type { ExitInfo } from './spawn.js';

/** What {@link RunControl} needs from its supervisor. */
export interface RunControlHost {
  readonly instanceId: string;
  readonly config: NormalizedProcessConfig;
  readonly logger: Logger;
  readonly resolver: ExecutableResolver;
  readonly isReadyLine: ((text: string) => boolean) | undefined;
  state(): InstanceState;
  setState(next: InstanceState): void;
  error(code: ErrorCode, message: string, cause?: unknown): GamewardError;
  publish(line: OutputLine): void;
  uptimeSeconds(): number;
  crashed(run: ServerRun, exit: CrashExit, uptimeSeconds: number): void;
}

/**
 * Starts and brings down server runs and keeps the state in step with them. One at a time: the
 * supervisor's lifecycle queue calls it.
 */
export class RunControl {
  readonly #host: RunControlHost;
  readonly #name: string;
  /** The run whose tree may still be alive: set at spawn, cleared once it is known to be gone. */
  run: ServerRun | undefined;

  constructor(host: RunControlHost) {
    this.#host = host;
    this.#name = JSON.stringify(host.instanceId);
  }

  /** stopped | crashed → starting → running; rejects with the abort reason when preempted. */
  async start(signal: AbortSignal): Promise<void> {
    const host = this.#host;
    const current = host.state().state;
    if (current === 'starting' || current === 'running') {
      throw host.error('ERR_ALREADY_RUNNING', `Instance ${this.#name} is already ${current}`);
    }
    // What a failed stop left behind goes first, or a second server would run beside it.
    if (this.run !== undefined) await this.bringDown(this.run, true, signal);
    const file = await host.resolver.resolve();
    if (file === undefined) {
      const { executable } = host.config;
      const where = executable?.includes('/') === true ? '' : ' on PATH';
      throw host.error(
        'ERR_EXECUTABLE_NOT_FOUND',
        `Instance ${this.#name}: executable ${JSON.stringify(executable)} not found${where}`,
      );
    }
    signal.throwIfAborted();
    host.setState(States.starting);
    const run = this.#spawn(file);
    try {
      await run.process.spawned;
    } catch (error) {
      if (this.run === run) this.run = undefined;
      if (!signal.aborted) host.setState(crashed());
      const why = error instanceof Error ? error.message : String(error);
      throw host.error(
        'ERR_SPAWN_FAILED',
        `Instance ${this.#name}: could not spawn ${JSON.stringify(file)}: ${why}`,
        error,
      );
    }
    signal.throwIfAborted();
    const readiness = host.config.readiness;
    if (readiness === undefined) {
      if (run.process.hasExited) throw this.#exitedBeforeReady(run);
      host.setState(States.running);
      return;
    }
    const outcome = await run.waitForReady(readiness.timeoutMs, signal);
    if (outcome === 'ready') return;
    if (outcome === 'exited') throw this.#exitedBeforeReady(run);
    await this.#readinessTimedOut(run, signal);
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
    const host = this.#host;
    run.stopRequested = true;
    if (host.state().state !== 'stopping') host.setState(States.stopping);
    const outcome = await abortable(run.bringDown(force), signal);
    if (outcome.ok) {
      if (this.run === run) this.run = undefined;
      host.setState(done);
      return;
    }
    host.setState(crashed(run.process.exit ?? {}));
    throw host.error(
      'ERR_STOP_FAILED',
      `Instance ${this.#name}: processes ${outcome.survivors.join(', ')} still alive ${host.config.killGraceMs} ms after SIGKILL`,
    );
  }

  #spawn(file: string): ServerRun {
    const host = this.#host;
    const { config } = host;
    const run = new ServerRun({
      instanceId: host.instanceId,
      file,
      args: config.args,
      cwd: config.cwd ?? dirname(file),
      env: config.env,
      isReadyLine: host.isReadyLine,
      ladder: config,
      logger: host.logger,
      hooks: {
        onLine: (_run, stream, text) => host.publish({ stream, text, time: Date.now() }),
        onReady: (ready) => {
          if (this.run === ready && host.state().state === 'starting') {
            host.setState(States.running);
          }
        },
        onExit: (exited, info) => this.#onExit(exited, info),
      },
    });
    this.run = run;
    return run;
  }

  /** The child's exit event: a crash unless a stop or kill asked for it. */
  #onExit(run: ServerRun, info: ExitInfo): void {
    const host = this.#host;
    host.logger.info({ instanceId: host.instanceId, ...info }, 'server exited');
    if (run.stopRequested) return;
    if (this.run === run) this.run = undefined;
    const uptimeSeconds = host.uptimeSeconds();
    // What is left of its process group goes too, so a restart finds the ports free.
    sendSignal(-(run.process.groupId as number), 'SIGKILL');
    host.setState(crashed(info));
    host.crashed(run, info, uptimeSeconds);
  }

  #exitedBeforeReady(run: ServerRun): GamewardError {
    const exit = run.process.exit;
    const how = exit?.signal === undefined ? `with code ${exit?.exitCode}` : `on ${exit.signal}`;
    const error = this.#host.error(
      'ERR_SPAWN_FAILED',
      `Instance ${this.#name} exited ${how} before it was ready`,
    );
    return Object.assign(error, { exitCode: exit?.exitCode });
  }

  /** No ready line in time: the ladder stops the tree, the state ends crashed. */
  async #readinessTimedOut(run: ServerRun, signal: AbortSignal): Promise<never> {
    const host = this.#host;
    const { pattern, timeoutMs } = host.config.readiness as {
      pattern: RegExp | string;
      timeoutMs: number;
    };
    const timedOut = host.error(
      'ERR_READINESS_TIMEOUT',
      `Instance ${this.#name}: no console line matched ${describeValue(pattern)} within ${timeoutMs} ms`,
    );
    try {
      await this.bringDown(run, false, signal, crashed());
    } catch (error) {
      if (signal.aborted) throw error;
      Object.assign(timedOut, { cause: error });
    }
    host.crashed(run, {}, 0);
    throw timedOut;
  }
}

/** `promise`, or a rejection with the abort reason as soon as `signal` aborts. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
