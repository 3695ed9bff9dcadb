import type { LinkStatus } from '../remote/ssh-link.js';
import type { OutputLine, ResourceStats, SupervisorKind } from '../supervisor.js';

/**
 * How a plane talks to gameward: a plane **acts** (launch, halt, send, sample, observe) and
 * **reports facts** through this sink. It never changes state: the core turns facts into
 * transitions, crash events, the crash policy, readiness and errors, the same way for every plane.
 *
 * Rules every plane keeps:
 * - Report only facts about the current run (a stale run's exit is not reported).
 * - Report synchronously from I/O callbacks; the core never throws back into the plane.
 * - Report an exit whether or not a halt asked for it: the core knows which it asked for.
 */
export interface PlaneReport {
  /** One console line (already split, at most 64 KiB, without its terminator). */
  line(line: OutputLine): void;
  /**
   * The workload is up as far as the plane can tell: the process spawned; every selected
   * container runs and is healthy; every replica runs. The core then waits for the ready line,
   * when one is configured, before `running`.
   */
  ready(): void;
  /**
   * The workload ended (a process exited; a selected container or task died). `drained`
   * resolves once its last output lines were reported; the `crash` event waits for it (bounded).
   */
  exited(exit: ExitFact): void;
  /**
   * The workload runs again although nobody called start(): a restart policy of the world (a
   * compose `restart:`, a swarm `restart_policy`). It prints its ready line anew.
   */
  revived(): void;
  /**
   * The connection to the workload's remote host changed. Not a fact about the workload: the
   * core keeps the state and only passes it on (the `link` event).
   */
  link(status: LinkStatus): void;
}

/** How a workload ended, as far as the plane knows. */
export interface ExitFact {
  readonly exitCode?: number | undefined;
  readonly signal?: NodeJS.Signals | undefined;
  /** The part that died (a compose service): only its lines go into the crash's `lastLines`. */
  readonly service?: string | undefined;
  /** Resolves once the last output lines of the run were reported. Never rejects. */
  readonly drained?: Promise<void> | undefined;
}

/** What a plane finds in its world, for `refresh()` and adoption. */
export type Observation =
  /** It runs and is up (healthy where it has a healthcheck). `since`: when its run began. */
  | { readonly kind: 'running'; readonly since?: number | undefined }
  /** It runs but is not up yet (a healthcheck pending, a replica not yet running). */
  | { readonly kind: 'starting' }
  /**
   * It ended. `stopped`: a stop ended it (compose stop's exit codes, a keeper's recorded stop
   * request); otherwise it died, with the code and signal when known.
   */
  | {
      readonly kind: 'exited';
      readonly stopped: boolean;
      readonly exitCode?: number | undefined;
      readonly signal?: NodeJS.Signals | undefined;
    }
  /** Nothing of it exists (never started, removed, folder empty). */
  | { readonly kind: 'absent' };

/**
 * One management plane: what talks to one world (local processes, a Docker engine, a swarm, a
 * remote host). It holds no state machine: {@link SupervisorCore} drives it, one lifecycle call
 * at a time, except `halt(true)` (kill), which may run while `launch` or a graceful `halt` is in
 * flight and must then win: cancel the in-flight work, then bring everything down.
 */
export interface Plane {
  readonly kind: SupervisorKind;
  /** True while anything of the workload may still run: there is something to stop or kill. */
  readonly active: boolean;
  /**
   * false when the workload has no console input (compose services, swarm tasks): the core then
   * rejects send() with `ERR_UNSUPPORTED` in every state. Default true.
   */
  readonly consoleInput?: boolean;
  /** The connection to the remote host the workload runs on; absent for a local plane. */
  readonly link?: LinkStatus | undefined;
  /** Called once by the core, before any other call. */
  connect(report: PlaneReport): void;
  /**
   * Looks at the world and starts watching what it finds (events, logs), so facts follow.
   * Called by `refresh()`, and by `start()` first so that a second copy is never launched
   * beside one that already runs. Rejects with a coded error when the world cannot be reached.
   */
  observe(signal: AbortSignal): Promise<Observation>;
  /**
   * Optional checks before anything changes (the executable exists, the stack file is there).
   * A rejection leaves the state as it was: start() rejects with it and nothing was launched.
   */
  prepare?(signal: AbortSignal): Promise<void>;
  /**
   * Launches the workload; resolves once launched (spawned, `compose up` returned, deployed).
   * Readiness then comes as a `ready()` report. Rejects with a coded error when nothing could be
   * launched (`ERR_SPAWN_FAILED`, `ERR_COMPOSE`...), after cleaning up what it began: the
   * instance then ends `crashed` (no exit code, no crash event, no automatic restart). When `signal` aborts it stops waiting and rejects with `signal.reason`;
   * what it launched meanwhile is then the halt's to bring down.
   */
  launch(signal: AbortSignal): Promise<void>;
  /**
   * Brings everything down: the graceful path (stop command, stop signal, `compose stop`) then
   * force, or force at once. Resolves once nothing runs. Rejects `ERR_STOP_FAILED` (or the
   * plane's own code) when something may still run. A graceful halt whose `signal` aborts
   * rejects with the reason at once; a forced halt follows.
   */
  halt(force: boolean, signal?: AbortSignal): Promise<void>;
  /** Writes one console line; rejects `ERR_UNSUPPORTED` where the plane has no console input. */
  send(line: string): Promise<void>;
  /** One resource sample of what runs; only called while `active`. */
  sample(): Promise<ResourceStats>;
  /**
   * Releases everything the plane holds (streams, children, fds) and leaves the workload as it
   * is: the core halts first when it should. Idempotent.
   */
  release(): Promise<void>;
}
