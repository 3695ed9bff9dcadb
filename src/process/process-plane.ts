import { dirname } from 'node:path';
import type { ExitFact, Observation, Plane, PlaneReport } from '../core/plane.js';
import { GamewardError } from '../errors.js';
import type { Logger } from '../logger.js';
import { sendSignal } from '../os/proc-table.js';
import { sampleProcessTree } from '../stats/process-tree.js';
import type { ResourceStats } from '../supervisor.js';
import { hasSeparator, type NormalizedProcessConfig } from './options.js';
import { ExecutableResolver } from './resolve-executable.js';
import { ServerRun } from './server-run.js';
import { type ExitInfo, MAX_PENDING_CONSOLE_BYTES } from './spawn.js';

/**
 * The local-process plane: spawns the server in its own process group with piped stdio, reports
 * its lines, its spawn (ready) and its exit, and brings its whole tree down with the stop ladder.
 */
export class ProcessPlane implements Plane {
  readonly kind = 'process' as const;
  readonly #config: NormalizedProcessConfig;
  readonly #logger: Logger;
  readonly #resolver: ExecutableResolver;
  #report: PlaneReport | undefined;
  /** The run whose tree may still be alive: set at spawn, cleared once it is known to be gone. */
  #run: ServerRun | undefined;
  // An exit nobody asked for, kept for observe() once the run is gone.
  #lastExit: ExitInfo | undefined;
  #file: string | undefined;

  constructor(config: NormalizedProcessConfig, logger: Logger) {
    this.#config = config;
    this.#logger = logger;
    // Unmanaged instances never get as far as resolving.
    this.#resolver = new ExecutableResolver(config.executable ?? '', config.env);
  }

  get active(): boolean {
    return this.#run !== undefined;
  }

  /** The server's pid while it runs. */
  get pid(): number | undefined {
    return this.#run?.process.pid;
  }

  connect(report: PlaneReport): void {
    this.#report = report;
  }

  async observe(): Promise<Observation> {
    const run = this.#run;
    if (run !== undefined) {
      const exit = run.process.exit;
      // A stop that left survivors is not a server to adopt: start() brings it down first.
      if (exit === undefined && !run.stopRequested) return { kind: 'running' };
      return { kind: 'exited', stopped: run.stopRequested, ...exit };
    }
    const last = this.#lastExit;
    return last === undefined ? { kind: 'absent' } : { kind: 'exited', stopped: false, ...last };
  }

  /** Looks the executable up (on PATH for a bare name) before anything changes. */
  async prepare(): Promise<void> {
    const config = this.#config;
    this.#file = await this.#resolver.resolve();
    if (this.#file === undefined) {
      const where = hasSeparator(config.executable ?? '') ? '' : ' on PATH';
      throw this.#error(
        'ERR_EXECUTABLE_NOT_FOUND',
        `executable ${JSON.stringify(config.executable)} not found${where}`,
      );
    }
  }

  async launch(signal: AbortSignal): Promise<void> {
    const file = this.#file ?? (await this.#resolver.resolve()) ?? this.#config.executable ?? '';
    signal.throwIfAborted();
    this.#lastExit = undefined;
    const run = this.#spawn(file);
    try {
      await run.process.spawned;
    } catch (error) {
      if (this.#run === run) this.#run = undefined;
      const why = error instanceof Error ? error.message : String(error);
      throw this.#error('ERR_SPAWN_FAILED', `could not spawn ${JSON.stringify(file)}: ${why}`, error);
    }
    if (this.#run === run && !run.process.hasExited) this.#report?.ready();
  }

  async halt(force: boolean): Promise<void> {
    const run = this.#run;
    if (run === undefined) return;
    let outcome: Awaited<ReturnType<ServerRun['bringDown']>>;
    try {
      outcome = await run.bringDown(force);
    } catch (error) {
      // Not expected (the process table could not be read).
      throw this.#error('ERR_STOP_FAILED', `could not bring the process tree down: ${String(error)}`, error);
    }
    if (outcome.ok) {
      if (this.#run === run) this.#run = undefined;
      return;
    }
    throw this.#error(
      'ERR_STOP_FAILED',
      `processes ${outcome.survivors.join(', ')} still alive ${this.#config.killGraceMs} ms after SIGKILL`,
    );
  }

  async send(line: string): Promise<void> {
    const process = this.#run?.process;
    if (process === undefined || process.hasExited) {
      throw this.#error('ERR_NOT_RUNNING', 'is not running');
    }
    // A server that never reads stdin must not grow the host without bound.
    if (process.pendingInput >= MAX_PENDING_CONSOLE_BYTES) {
      throw this.#error(
        'ERR_CONSOLE_FULL',
        `the server has not read ${process.pendingInput} bytes of console input (the limit is ${MAX_PENDING_CONSOLE_BYTES}); is it reading stdin?`,
      );
    }
    try {
      await process.write(`${line}\n`);
    } catch (error) {
      throw this.#error('ERR_NOT_RUNNING', `did not take the line: ${String(error)}`, error);
    }
  }

  async sample(): Promise<ResourceStats> {
    const pid = this.pid;
    if (pid === undefined) throw this.#error('ERR_NOT_RUNNING', 'is not running');
    const { cpuPercent, memoryBytes, processCount, time } = await sampleProcessTree(pid);
    return { cpuPercent, memoryBytes, processCount, time };
  }

  async release(): Promise<void> {
    // Our ends of the pipes close at once: an escaped descendant that keeps writing costs nothing.
    this.#run?.process.abandon();
  }

  #spawn(file: string): ServerRun {
    const config = this.#config;
    const run = new ServerRun({
      file,
      args: config.args,
      cwd: config.cwd ?? defaultCwd(config.executable ?? file, file),
      env: config.env,
      ladder: config,
      logger: this.#logger,
      onLine: (stream, text, time) => {
        if (this.#run === run) this.#report?.line({ stream, text, time });
      },
      onExit: (exited, info) => this.#onExit(exited, info),
    });
    this.#run = run;
    return run;
  }

  /** The child's exit event. Never throws. */
  #onExit(run: ServerRun, info: ExitInfo): void {
    this.#logger.info({ instanceId: this.#config.id, ...info }, 'server exited');
    if (this.#run !== run) return;
    const exit: ExitFact = { ...info, drained: run.process.finish() };
    if (!run.stopRequested) {
      this.#run = undefined;
      this.#lastExit = info;
      // What is left of its process group goes too, so a restart finds the ports free.
      sendSignal(-(run.process.groupId as number), 'SIGKILL');
    }
    this.#report?.exited(exit);
  }

  #error(code: GamewardError['code'], message: string, cause?: unknown): GamewardError {
    return new GamewardError(code, message, { instanceId: this.#config.id, cause });
  }
}

/**
 * Where a server runs when no `cwd` is given: the executable's folder for a path (as the seed
 * did), the host's working directory for a bare name found on PATH (`java`, `node`), never
 * /usr/bin.
 */
function defaultCwd(configured: string, resolved: string): string {
  return hasSeparator(configured) ? dirname(resolved) : process.cwd();
}
