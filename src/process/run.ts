import type { ExitInfo } from './spawn.js';
import type { StopOutcome } from './terminate.js';

/**
 * One life of a server, whichever way it runs: as our child ({@link ServerRun}) or under a
 * keeper that outlives the host ({@link KeptRun}). The process plane drives either the same way.
 */
export interface Run {
  /** The server's pid while it runs. */
  readonly pid: number | undefined;
  /** How it ended, once it did. */
  readonly exit: ExitInfo | undefined;
  /** Set once a stop or kill was asked for: its exit is then not a crash. */
  stopRequested: boolean;
  /** Console bytes written that the server has not read yet. */
  readonly pendingInput: number;
  /** The stop ladder (or SIGKILL with `force`) over the whole tree. */
  bringDown(force: boolean): Promise<StopOutcome>;
  /** Resolves once the run's last output lines were delivered (bounded). */
  drained(): Promise<void>;
  /** Writes `text` to the server's stdin. */
  write(text: string): Promise<void>;
  /** Lets go at once: our pipes close (local), or the keeper is left running (kept). */
  release(): void;
}
