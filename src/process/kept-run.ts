import type { KeptLine, KeptOutcome, KeptServer } from '../keeper/index.js';
import type { Logger } from '../logger.js';
import type { Run } from './run.js';
import type { ExitInfo } from './spawn.js';
import { type StopLadder, type StopOutcome, TreeTerminator } from './terminate.js';

/** What a {@link KeptRun} reports to its plane. */
export interface KeptRunEvents {
  onLine(stream: 'stdout' | 'stderr', text: string, time: number): void;
  onExit(run: KeptRun, exit: ExitInfo, gone: boolean): void;
}

/**
 * A server under a keeper (docs/keeper-protocol.md): not our child, so it outlives the host. The
 * same stop ladder brings its tree down (its pid leads its own process group); the console goes
 * through the keeper's FIFO, the exit comes from the keeper's record.
 */
export class KeptRun implements Run {
  stopRequested = false;
  readonly #server: KeptServer;
  readonly #ladder: StopLadder;
  readonly #logger: Logger;
  #terminator: TreeTerminator | undefined;
  #exit: ExitInfo | undefined;

  constructor(server: KeptServer, ladder: StopLadder, logger: Logger) {
    this.#server = server;
    this.#ladder = ladder;
    this.#logger = logger;
  }

  /** Handlers for {@link launchKept}/{@link adoptKept}, bound to the run once it exists. */
  static handlers(events: KeptRunEvents, run: () => KeptRun | undefined) {
    return {
      onLine: (line: KeptLine) => events.onLine(line.stream, line.text, line.time.getTime()),
      onExit: (outcome: KeptOutcome) => {
        const current = run();
        if (current === undefined) return;
        current.#exit = toExit(outcome);
        events.onExit(current, current.#exit, outcome.kind === 'gone');
      },
    };
  }

  get server(): KeptServer {
    return this.#server;
  }

  get pid(): number | undefined {
    return this.#exit === undefined ? this.#server.pid : undefined;
  }

  get exit(): ExitInfo | undefined {
    return this.#exit;
  }

  get pendingInput(): number {
    return 0;
  }

  async bringDown(force: boolean): Promise<StopOutcome> {
    this.stopRequested = true;
    if (this.#exit !== undefined || this.#server.hasExited) return { ok: true, step: 'kill' };
    try {
      this.#server.markStopRequested();
    } catch (error) {
      this.#logger.warn({ dir: this.#server.dir, err: error }, 'could not record the stop');
    }
    const server = this.#server;
    this.#terminator ??= new TreeTerminator(
      {
        get hasExited() {
          return server.hasExited;
        },
        exited: server.exited,
        write: async (text) => server.send(text.replace(/\n$/, '')),
      },
      server.pid,
      this.#ladder,
      this.#logger,
    );
    return force ? this.#terminator.kill() : this.#terminator.stop();
  }

  async drained(): Promise<void> {
    await this.#server.exited;
  }

  async write(text: string): Promise<void> {
    this.#server.send(text.replace(/\n$/, ''));
  }

  release(): void {
    this.#server.detach();
  }
}

function toExit(outcome: KeptOutcome): ExitInfo {
  if (outcome.kind === 'gone') return { exitCode: undefined, signal: undefined };
  return { exitCode: outcome.exitCode, signal: outcome.signal };
}
