import type { Logger } from '../logger.js';
import type { Run } from './run.js';
import { type ExitInfo, ServerProcess, type SpawnRequest } from './spawn.js';
import { type StopLadder, type StopOutcome, TreeTerminator } from './terminate.js';

/** What a {@link ServerRun} is made of. */
export interface ServerRunInit {
  readonly file: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>> | undefined;
  readonly ladder: StopLadder;
  readonly logger: Logger;
  readonly onLine: SpawnRequest['onLine'];
  onExit(run: ServerRun, info: ExitInfo): void;
}

/** One life of a server process, our child: the process and the ladder that brings it down. */
export class ServerRun implements Run {
  readonly process: ServerProcess;
  /** Set once a stop or kill was asked for: its exit is then not a crash. */
  stopRequested = false;
  readonly #init: ServerRunInit;
  #terminator: TreeTerminator | undefined;

  constructor(init: ServerRunInit) {
    this.#init = init;
    this.process = new ServerProcess({
      file: init.file,
      args: init.args,
      cwd: init.cwd,
      env: init.env,
      onLine: init.onLine,
      onExit: (info) => init.onExit(this, info),
    });
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  get exit(): ExitInfo | undefined {
    return this.process.exit;
  }

  get pendingInput(): number {
    return this.process.pendingInput;
  }

  drained(): Promise<void> {
    return this.process.finish();
  }

  write(text: string): Promise<void> {
    return this.process.write(text);
  }

  release(): void {
    this.process.abandon();
  }

  /**
   * Runs the stop ladder (or, with `force`, SIGKILL at once) over the whole process tree; once it
   * is down, waits briefly for its last output lines and closes the pipes.
   */
  async bringDown(force: boolean): Promise<StopOutcome> {
    this.stopRequested = true;
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
}
