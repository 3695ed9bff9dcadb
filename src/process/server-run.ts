import type { Logger } from '../logger.js';
import { abortError } from '../util/abort.js';
import { type ExitInfo, ServerProcess } from './spawn.js';
import { type StopLadder, type StopOutcome, TreeTerminator } from './terminate.js';

/** What a {@link ServerRun} reports back to its supervisor. */
export interface ServerRunHooks {
  onLine(run: ServerRun, stream: 'stdout' | 'stderr', text: string): void;
  /** The ready line was seen (called at most once, right after that line's onLine). */
  onReady(run: ServerRun): void;
  onExit(run: ServerRun, info: ExitInfo): void;
}

/** What a {@link ServerRun} is made of. */
export interface ServerRunInit {
  readonly instanceId: string;
  readonly file: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>> | undefined;
  /** Tests each line while starting; undefined: no readiness gate. */
  readonly isReadyLine: ((text: string) => boolean) | undefined;
  readonly ladder: StopLadder;
  readonly logger: Logger;
  readonly hooks: ServerRunHooks;
}

/** How waiting for the ready line ended. */
export type ReadyOutcome = 'ready' | 'exited' | 'timeout';

/**
 * One life of a server process: the process, its console lines, the readiness gate (attached
 * before the first byte can be read, so a fast server's first line is never missed), and the
 * stop ladder that brings its tree down.
 */
export class ServerRun {
  readonly process: ServerProcess;
  /** Set once a stop or kill was asked for: its exit is then not a crash. */
  stopRequested = false;
  /** Console lines printed during this run. */
  lines = 0;
  readonly #init: ServerRunInit;
  #ready = false;
  #terminator: TreeTerminator | undefined;
  readonly #wake = new Set<() => void>();

  constructor(init: ServerRunInit) {
    this.#init = init;
    const { hooks } = init;
    this.process = new ServerProcess({
      file: init.file,
      args: init.args,
      cwd: init.cwd,
      env: init.env,
      onLine: (stream, text) => this.#line(stream, text),
      onExit: (info) => {
        hooks.onExit(this, info);
        this.#notify();
      },
    });
  }

  get ready(): boolean {
    return this.#ready;
  }

  /** Waits for the ready line, the exit, or `timeoutMs`; rejects with the reason when aborted. */
  waitForReady(timeoutMs: number, signal: AbortSignal): Promise<ReadyOutcome> {
    return new Promise((resolve, reject) => {
      const settle = (): boolean => {
        if (signal.aborted) reject(abortError(signal, this.#init.instanceId));
        else if (this.#ready) resolve('ready');
        else if (this.process.hasExited) resolve('exited');
        else return false;
        return true;
      };
      if (settle()) return;
      const cleanup = (): void => {
        clearTimeout(timer);
        this.#wake.delete(check);
        signal.removeEventListener('abort', check);
      };
      const check = (): void => {
        if (settle()) cleanup();
      };
      const timer = setTimeout(() => {
        cleanup();
        resolve('timeout');
      }, timeoutMs);
      this.#wake.add(check);
      signal.addEventListener('abort', check, { once: true });
    });
  }

  /** Runs the stop ladder (or, with `force`, SIGKILL at once) over the whole process tree. */
  async bringDown(force: boolean): Promise<StopOutcome> {
    const spawned = await this.process.spawned.then(
      () => true,
      () => false,
    );
    // Never spawned: there is nothing to stop.
    if (!spawned) return { ok: true, step: 'kill' };
    const process = this.process;
    this.#terminator ??= new TreeTerminator(
      {
        groupId: process.groupId as number,
        get hasExited() {
          return process.hasExited;
        },
        exited: process.exited,
        write: (text) => process.write(text),
      },
      this.#init.ladder,
      this.#init.logger,
    );
    return force ? this.#terminator.kill() : this.#terminator.stop();
  }

  #line(stream: 'stdout' | 'stderr', text: string): void {
    this.lines += 1;
    this.#init.hooks.onLine(this, stream, text);
    const isReadyLine = this.#init.isReadyLine;
    if (this.#ready || isReadyLine === undefined || this.stopRequested || !isReadyLine(text))
      return;
    this.#ready = true;
    this.#init.hooks.onReady(this);
    this.#notify();
  }

  #notify(): void {
    for (const wake of [...this.#wake]) wake();
  }
}
