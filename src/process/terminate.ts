import treeKill from 'tree-kill';
import type { Logger } from '../logger.js';
import {
  descendantsIn,
  groupMembersIn,
  hasProcFs,
  isLive,
  type ProcTable,
  readProcTable,
  sendSignal,
} from '../os/proc-table.js';
import { listDescendants } from '../stats/process-tree.js';

/** The root of the process tree to bring down (a {@link ServerProcess}). */
export interface TerminateTarget {
  readonly hasExited: boolean;
  readonly exited: Promise<unknown>;
  write(text: string): Promise<void>;
}

/** The stop ladder's settings. */
export interface StopLadder {
  readonly stopCommand: string | undefined;
  readonly stopSignal: NodeJS.Signals;
  /** Budget of the graceful steps: the command gets half of it, the signal the rest. */
  readonly stopTimeoutMs: number;
  /** Bounded wait after SIGKILL. */
  readonly killGraceMs: number;
}

/** How a stop ended: which step brought the tree down, or which pids survived even SIGKILL. */
export type StopOutcome =
  | { readonly ok: true; readonly step: 'command' | 'signal' | 'kill' }
  | { readonly ok: false; readonly survivors: readonly number[] };

const isWindows = process.platform === 'win32';
// Liveness poll while descendants outlive the root (only during a stop, never while running).
const POLL_MS = 25;
/**
 * The least time a SIGKILLed tree gets to vanish: the kernel needs a moment to tear a process
 * down (a JVM with hundreds of threads takes milliseconds), so a smaller `killGraceMs`, 0
 * included, would report a kill that worked as ERR_STOP_FAILED.
 */
export const MIN_KILL_SETTLE_MS = 250;

/**
 * Brings a whole process tree down: stop command, stop signal, SIGKILL, each step bounded. The
 * tree is the root's process group plus every descendant seen in a snapshot taken while the root
 * (or a known descendant) still lived, so a descendant that left the group with setsid is caught
 * too. Snapshots are taken before each signal: once a parent dies, its children are reparented
 * and a ppid walk can no longer find them.
 */
export class TreeTerminator {
  readonly #target: TerminateTarget;
  /** The root's pid, which is also its process group id. */
  readonly #groupId: number;
  readonly #ladder: StopLadder;
  readonly #logger: Logger;
  // pid → start time ('' where /proc is missing), so a reused pid is never signalled.
  readonly #known = new Map<number, string>();
  #table: ProcTable | undefined;
  #forceRequested = false;
  #wake: (() => void)[] = [];
  #graceful: Promise<StopOutcome> | undefined;
  #forced: Promise<StopOutcome> | undefined;

  constructor(target: TerminateTarget, groupId: number, ladder: StopLadder, logger: Logger) {
    this.#target = target;
    this.#groupId = groupId;
    this.#ladder = ladder;
    this.#logger = logger;
  }

  /**
   * The full ladder; a call while it runs shares its outcome. Once SIGKILL was sent (a kill, or
   * a ladder that got that far and failed), a stop is a kill: the graceful steps are over.
   */
  stop(): Promise<StopOutcome> {
    if (this.#forceRequested) return this.kill();
    this.#graceful ??= this.#runLadder();
    return this.#graceful;
  }

  /**
   * SIGKILL now, cutting short a ladder in progress. A call while one is under way shares its
   * outcome; a call after one failed tries again.
   */
  kill(): Promise<StopOutcome> {
    this.#forceRequested = true;
    for (const wake of this.#wake.splice(0)) wake();
    this.#forced ??= this.#forceKill().then((outcome) => {
      if (!outcome.ok) this.#forced = undefined;
      return outcome;
    });
    return this.#forced;
  }

  async #runLadder(): Promise<StopOutcome> {
    const { stopCommand, stopSignal, stopTimeoutMs } = this.#ladder;
    await this.#snapshot();
    let budget = stopTimeoutMs;
    if (stopCommand !== undefined && !this.#forceRequested) {
      // Windows has no graceful signal for console servers: the command gets the whole budget.
      const share = isWindows ? stopTimeoutMs : Math.floor(stopTimeoutMs / 2);
      budget -= share;
      // Not awaited: a server that does not read its stdin must not stall the ladder. One that
      // refuses it (stdin closed, EPIPE) goes on to the signal at once.
      const refused = this.#target.write(`${stopCommand}\n`).then(
        () => new Promise<void>(() => {}),
        (error: unknown) => {
          this.#logger.debug({ pid: this.#groupId, err: error }, 'stop command refused');
        },
      );
      if (await this.#waitGone(share, true, refused)) return { ok: true, step: 'command' };
      if (!this.#forceRequested) await this.#snapshot();
    }
    if (!isWindows && !this.#forceRequested) {
      await this.#signalAll(stopSignal);
      // A stopped (SIGSTOP) process cannot act on the stop signal until continued.
      if (stopSignal !== 'SIGKILL') await this.#signalAll('SIGCONT');
      if (await this.#waitGone(budget, true)) return { ok: true, step: 'signal' };
    }
    return this.kill();
  }

  async #forceKill(): Promise<StopOutcome> {
    await this.#snapshot();
    await this.#signalAll('SIGKILL');
    const grace = Math.max(this.#ladder.killGraceMs, MIN_KILL_SETTLE_MS);
    if (await this.#waitGone(grace, false)) return { ok: true, step: 'kill' };
    const survivors = await this.#survivors();
    if (survivors.length === 0) return { ok: true, step: 'kill' };
    this.#logger.error({ pid: this.#groupId, survivors }, 'process tree survived SIGKILL');
    return { ok: false, survivors };
  }

  /** Adds every descendant of the root and of the known pids, and the group's members. */
  async #snapshot(): Promise<void> {
    if (isWindows) return;
    const groupId = this.#groupId;
    if (!hasProcFs) {
      if (this.#target.hasExited) return;
      try {
        for (const pid of await listDescendants(groupId)) this.#known.set(pid, '');
      } catch (error) {
        this.#logger.warn({ pid: groupId, err: error }, 'could not list descendants');
      }
      return;
    }
    const table = await this.#readTable();
    const roots = [...this.#known.keys()].filter((pid) => this.#isOurs(table, pid));
    if (!this.#target.hasExited) roots.push(groupId);
    for (const entry of [...descendantsIn(table, roots), ...groupMembersIn(table, groupId)]) {
      if (!this.#known.has(entry.pid)) this.#known.set(entry.pid, entry.startTime);
    }
  }

  async #signalAll(signal: NodeJS.Signals): Promise<void> {
    const groupId = this.#groupId;
    if (isWindows) {
      if (signal !== 'SIGKILL' || this.#target.hasExited) return;
      // Untested here: taskkill /T /F through tree-kill.
      await new Promise<void>((resolve) => treeKill(groupId, 'SIGKILL', () => resolve()));
      return;
    }
    sendSignal(-groupId, signal);
    const table = this.#table;
    for (const pid of this.#known.keys()) {
      if (table === undefined || this.#isOurs(table, pid)) sendSignal(pid, signal);
    }
  }

  /**
   * Waits up to `ms` for the whole tree to be gone; an interruptible wait ends on kill(), and
   * any wait ends early when `giveUp` resolves.
   */
  async #waitGone(ms: number, interruptible: boolean, giveUp?: Promise<void>): Promise<boolean> {
    const deadline = Date.now() + ms;
    let gaveUp = false;
    const given = giveUp?.then(() => {
      gaveUp = true;
    });
    if (!this.#target.hasExited) {
      if (ms <= 0) return false;
      const exited = this.#target.exited;
      await this.#sleep(ms, interruptible, given ? Promise.race([exited, given]) : exited);
      if (!this.#target.hasExited) return false;
    }
    for (;;) {
      if ((await this.#survivors()).length === 0) return true;
      const left = deadline - Date.now();
      if (left <= 0 || gaveUp || (interruptible && this.#forceRequested)) return false;
      await this.#sleep(Math.min(POLL_MS, left), interruptible);
    }
  }

  /** Pids of the tree still alive (the root's until its exit event arrived). */
  async #survivors(): Promise<number[]> {
    const groupId = this.#groupId;
    if (isWindows) return this.#target.hasExited ? [] : [groupId];
    if (!hasProcFs) {
      if (!this.#target.hasExited) return [groupId];
      const alive = [...this.#known.keys()].filter((pid) => sendSignal(pid, 0));
      return sendSignal(-groupId, 0) ? [...alive, -groupId] : alive;
    }
    const table = await this.#readTable();
    // A root whose exit event is not handled yet is judged by /proc: a zombie is dead (with
    // `killGraceMs: 0` the event cannot have arrived yet, and SIGKILL did work).
    const alive = new Set(groupMembersIn(table, groupId).map((entry) => entry.pid));
    if (!this.#target.hasExited && isLive(table.get(groupId))) alive.add(groupId);
    for (const pid of this.#known.keys()) if (this.#isOurs(table, pid)) alive.add(pid);
    return [...alive];
  }

  async #readTable(): Promise<ProcTable> {
    this.#table = await readProcTable();
    return this.#table;
  }

  /** Live, and the same process we saw (not a reused pid). */
  #isOurs(table: ProcTable, pid: number): boolean {
    const entry = table.get(pid);
    return isLive(entry) && (this.#known.get(pid) ?? entry.startTime) === entry.startTime;
  }

  /** Sleeps `ms`, or less when `until` settles or (if interruptible) kill() is called. */
  #sleep(ms: number, interruptible: boolean, until?: Promise<unknown>): Promise<void> {
    if (interruptible && this.#forceRequested) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        const index = this.#wake.indexOf(done);
        if (index !== -1) this.#wake.splice(index, 1);
        resolve();
      };
      const timer = setTimeout(done, ms);
      if (interruptible) this.#wake.push(done);
      until?.then(done, done);
    });
  }
}
