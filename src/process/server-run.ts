import { OutputRing } from '../console/output-ring.js';
import type { Logger } from '../logger.js';
import type { OutputLine } from '../supervisor.js';
import { abortError } from '../util/abort.js';
import { type ExitInfo, ServerProcess } from './spawn.js';
import { type StopLadder, type StopOutcome, TreeTerminator } from './terminate.js';

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
  /** Lines kept for the crash event. */
  readonly crashLines: number;
  readonly logger: Logger;
  publish(line: OutputLine): void;
  /** The ready line was seen (called at most once, right after that line was published). */
  onReady(run: ServerRun): void;
  onExit(run: ServerRun, info: ExitInfo): void;
}

/** How waiting for the ready line ended. */
export type ReadyOutcome = 'ready' | 'exited' | 'timeout';

/**
 * One life of a server process: the process, its last console lines, the readiness gate
 * (attached before the first byte can be read, so a fast server's first line is never missed),
 * and the stop ladder that brings its tree down.
 */
export class ServerRun {
  readonly process: ServerProcess;
  /** Set once a stop or kill was asked for: its exit is then not a crash. */
  stopRequested = false;
  readonly #init: ServerRunInit;
  // This run's own newest lines: a crash reports these, never a later run's.
  readonly #recent: OutputRing;
  #ready = false;
  #terminator: TreeTerminator | undefined;
  readonly #wake = new Set<() => void>();

  constructor(init: ServerRunInit) {
    this.#init = init;
    this.#recent = new OutputRing(init.crashLines);
    this.process = new ServerProcess({
      file: init.file,
      args: init.args,
      cwd: init.cwd,
      env: init.env,
      onLine: (stream, text, time) => this.#line({ stream, text, time }),
      onExit: (info) => {
        init.onExit(this, info);
        this.#notify();
      },
    });
  }

  /** The newest lines this run printed (up to `crashLines`), oldest first. */
  lastLines(): OutputLine[] {
    return this.#recent.newest();
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

  /**
   * Runs the stop ladder (or, with `force`, SIGKILL at once) over the whole process tree; once it
   * is down, waits briefly for its last output lines and closes the pipes.
   */
  async bringDown(force: boolean): Promise<StopOutcome> {
    const spawned = await this.process.spawned.then(
      () => true,
      () => false,
    );
    // Never spawned: there is nothing to stop.
    if (!spawned) return { ok: true, step: 'kill' };
    this.#terminator ??= new TreeTerminator(
      this.process,
      this.process.groupId as number,
      this.#init.ladder,
      this.#init.logger,
    );
    const outcome = await (force ? this.#terminator.kill() : this.#terminator.stop());
    if (outcome.ok) await this.process.finish();
    return outcome;
  }

  #line(line: OutputLine): void {
    this.#recent.push(line);
    this.#init.publish(line);
    const isReadyLine = this.#init.isReadyLine;
    if (this.#ready || isReadyLine === undefined || this.stopRequested || !isReadyLine(line.text)) {
      return;
    }
    this.#ready = true;
    this.#init.onReady(this);
    this.#notify();
  }

  #notify(): void {
    for (const wake of [...this.#wake]) wake();
  }
}
