import { dirname, join } from 'node:path';
import type { ExitFact, Observation, Plane, PlaneReport } from '../core/plane.js';
import { GamewardError } from '../errors.js';
import {
  adoptKept,
  HostWatchdog,
  type KeptServer,
  launchKept,
  replayKeptOutput,
} from '../keeper/index.js';
import type { Logger } from '../logger.js';
import { sendSignal } from '../os/proc-table.js';
import { sampleProcessTree } from '../stats/process-tree.js';
import type { ResourceStats } from '../supervisor.js';
import { KeptRun } from './kept-run.js';
import { hasSeparator, type NormalizedProcessConfig } from './options.js';
import { ExecutableResolver } from './resolve-executable.js';
import type { Run } from './run.js';
import { ServerRun } from './server-run.js';
import { type ExitInfo, MAX_PENDING_CONSOLE_BYTES } from './spawn.js';

/**
 * The local-process plane: spawns the server in its own process group (as our child, or under a
 * keeper with `stateDir`), reports its lines, its spawn (ready) and its exit, and brings its
 * whole tree down with the stop ladder.
 */
export class ProcessPlane implements Plane {
  readonly kind = 'process' as const;
  readonly #config: NormalizedProcessConfig;
  readonly #logger: Logger;
  readonly #resolver: ExecutableResolver;
  #report: PlaneReport | undefined;
  /** The run whose tree may still be alive: set at spawn, cleared once it is known to be gone. */
  #run: Run | undefined;
  // An exit nobody asked for, kept for observe() once the run is gone.
  #lastExit: ExitInfo | undefined;
  #file: string | undefined;
  // Hands a local server back from the host watchdog once it is down.
  #unwatch: (() => void) | undefined;

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
    return this.#run?.pid;
  }

  /** The keeper's folder (`<stateDir>/<id>`), when the server runs under a keeper. */
  get folder(): string | undefined {
    const { stateDir, id } = this.#config;
    return stateDir === undefined ? undefined : join(stateDir, id);
  }

  connect(report: PlaneReport): void {
    this.#report = report;
  }

  async observe(): Promise<Observation> {
    const run = this.#run;
    if (run === undefined && this.folder !== undefined) return this.#adopt(this.folder);
    if (run !== undefined) {
      const exit = run.exit;
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
    if (this.folder !== undefined) {
      await this.#launchKept(file, this.folder);
      return;
    }
    const run = this.#spawn(file);
    try {
      await run.process.spawned;
    } catch (error) {
      this.#forget(run);
      const why = error instanceof Error ? error.message : String(error);
      throw this.#error(
        'ERR_SPAWN_FAILED',
        `could not spawn ${JSON.stringify(file)}: ${why}`,
        error,
      );
    }
    if (this.#run === run && run.exit === undefined) this.#report?.ready();
  }

  async halt(force: boolean): Promise<void> {
    const run = this.#run;
    if (run === undefined) return;
    let outcome: Awaited<ReturnType<Run['bringDown']>>;
    try {
      outcome = await run.bringDown(force);
    } catch (error) {
      // Not expected (the process table could not be read).
      throw this.#error(
        'ERR_STOP_FAILED',
        `could not bring the process tree down: ${String(error)}`,
        error,
      );
    }
    if (outcome.ok) {
      this.#forget(run);
      // A clean stop leaves nothing for the next host to adopt.
      if (run instanceof KeptRun) removeFolder(run.server, this.#logger);
      return;
    }
    throw this.#error(
      'ERR_STOP_FAILED',
      `processes ${outcome.survivors.join(', ')} still alive ${this.#config.killGraceMs} ms after SIGKILL`,
    );
  }

  async send(line: string): Promise<void> {
    const run = this.#run;
    if (run === undefined || run.exit !== undefined) {
      throw this.#error('ERR_NOT_RUNNING', 'is not running');
    }
    // A server that never reads stdin must not grow the host without bound.
    if (run.pendingInput >= MAX_PENDING_CONSOLE_BYTES) {
      throw this.#error(
        'ERR_CONSOLE_FULL',
        `the server has not read ${run.pendingInput} bytes of console input (the limit is ${MAX_PENDING_CONSOLE_BYTES}); is it reading stdin?`,
      );
    }
    try {
      await run.write(`${line}\n`);
    } catch (error) {
      if (error instanceof GamewardError && error.code === 'ERR_CONSOLE_FULL') {
        throw this.#error('ERR_CONSOLE_FULL', error.message, error);
      }
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
    // Local: our ends of the pipes close at once, so an escaped descendant that keeps writing
    // costs nothing. Kept: the keeper and its server are left to the next host.
    this.#run?.release();
    this.#unwatch?.();
  }

  #spawn(file: string): ServerRun {
    const config = this.#config;
    const token = HostWatchdog.newToken();
    const run = new ServerRun({
      file,
      args: config.args,
      cwd: config.cwd ?? defaultCwd(config.executable ?? file, file),
      env: { ...config.env, ...HostWatchdog.envFor(token) },
      ladder: config,
      logger: this.#logger,
      onLine: (stream, text, time) => {
        if (this.#run === run) this.#report?.line({ stream, text, time });
      },
      onExit: (exited, info) => this.#onExit(exited, info),
    });
    this.#run = run;
    const pgid = run.process.groupId;
    if (pgid !== undefined) {
      // If the host dies, even by SIGKILL, the watchdog takes this tree down as stop() would.
      this.#unwatch = HostWatchdog.shared().register({
        token,
        pgid,
        stopTimeoutMs: config.stopTimeoutMs,
      });
    }
    return run;
  }

  async #launchKept(file: string, dir: string): Promise<void> {
    const config = this.#config;
    let run: KeptRun | undefined;
    const server = await launchKept(
      {
        dir,
        file,
        args: config.args,
        cwd: config.cwd ?? defaultCwd(config.executable ?? file, file),
        env: { ...(process.env as Record<string, string>), ...config.env },
        outputCapBytes: config.outputCapBytes,
      },
      KeptRun.handlers(this.#keptEvents(), () => run),
    ).catch((error: unknown) => {
      throw error instanceof GamewardError
        ? new GamewardError(error.code, error.message, { instanceId: config.id, cause: error })
        : this.#error('ERR_SPAWN_FAILED', `could not launch the keeper: ${String(error)}`, error);
    });
    run = new KeptRun(server, config, this.#logger);
    this.#run = run;
    if (!server.hasExited) this.#report?.ready();
  }

  /** Takes over what a keeper in `dir` holds: a running server, or the record of its end. */
  async #adopt(dir: string): Promise<Observation> {
    const config = this.#config;
    let run: KeptRun | undefined;
    const found = await adoptKept(
      dir,
      { instanceId: config.id },
      KeptRun.handlers(this.#keptEvents(), () => run),
    );
    switch (found.kind) {
      case 'running':
        run = new KeptRun(found.server, config, this.#logger);
        this.#run = run;
        return { kind: 'running' };
      case 'exited':
        this.#replay(dir);
        this.#lastExit = { exitCode: found.exitCode, signal: found.signal };
        return { kind: 'exited', stopped: found.stopRequested, ...this.#lastExit };
      case 'gone':
        // Never reported as running: what is left of it (the keeper was killed) goes down.
        for (const pid of found.strayPids) sendSignal(pid, 'SIGKILL');
        this.#logger.warn({ instanceId: config.id, reason: found.reason }, 'kept server gone');
        return { kind: 'exited', stopped: false };
      case 'absent':
        return { kind: 'absent' };
    }
  }

  /** The lines an exited kept server printed while no host was there. */
  #replay(dir: string): void {
    try {
      replayKeptOutput(dir, {
        onLine: (line) =>
          this.#report?.line({ stream: line.stream, text: line.text, time: line.time.getTime() }),
      });
    } catch (error) {
      this.#logger.warn({ instanceId: this.#config.id, err: error }, 'could not replay output');
    }
  }

  #keptEvents() {
    return {
      onLine: (stream: 'stdout' | 'stderr', text: string, time: number) =>
        this.#report?.line({ stream, text, time }),
      onExit: (run: KeptRun, info: ExitInfo, gone: boolean) => {
        if (gone) {
          this.#logger.warn({ instanceId: this.#config.id }, 'the keeper was killed');
          void this.#adopt(run.server.dir).catch(() => undefined);
        }
        this.#onExit(run, info);
      },
    };
  }

  /** The server's end. Never throws. */
  #onExit(run: Run, info: ExitInfo): void {
    this.#logger.info({ instanceId: this.#config.id, ...info }, 'server exited');
    if (this.#run !== run) return;
    const exit: ExitFact = { ...info, drained: run.drained() };
    const crashed = !run.stopRequested;
    if (crashed) {
      this.#run = undefined;
      this.#lastExit = info;
    }
    // Reported first: the bookkeeping below is not part of seeing the exit, and it runs in this
    // same tick, before any restart the report may queue.
    this.#report?.exited(exit);
    if (crashed) {
      this.#unwatch?.();
      this.#unwatch = undefined;
      // What is left of its process group goes too, so a restart finds the ports free.
      if (run instanceof ServerRun) sendSignal(-(run.process.groupId as number), 'SIGKILL');
    }
  }

  #forget(run: Run): void {
    if (this.#run !== run) return;
    this.#run = undefined;
    this.#unwatch?.();
    this.#unwatch = undefined;
  }

  #error(code: GamewardError['code'], message: string, cause?: unknown): GamewardError {
    return new GamewardError(code, message, { instanceId: this.#config.id, cause });
  }
}

function removeFolder(server: KeptServer, logger: Logger): void {
  try {
    server.remove();
  } catch (error) {
    logger.warn({ dir: server.dir, err: error }, 'could not remove the keeper folder');
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
