import {
  closeSync,
  constants,
  type FSWatcher,
  openSync,
  readFileSync,
  rmSync,
  watch,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { Socket } from 'node:net';
import { GamewardError } from '../errors.js';
import {
  descendantsIn,
  groupMembersIn,
  isLive,
  readProcTable,
  sendSignal,
} from '../os/proc-table.js';
import { KEPT_TOKEN_ENV, type KeptPaths, type KeptStream } from './layout.js';
import { type DroppedOutput, StreamTail } from './output-tail.js';
import { isSameLiveProcess, pidsWithEnv, viewProcess, writesTo } from './proc-identity.js';
import {
  CURSOR_BYTES,
  formatCursor,
  type KeeperMeta,
  type OutputCursor,
  parseExit,
} from './records.js';

/** One line of a kept server's output. */
export interface KeptLine {
  readonly stream: KeptStream;
  readonly text: string;
  /** When the host read it: for a replayed line, later than when the server printed it. */
  readonly time: Date;
  /** True for lines printed while no host was reading, delivered first on adoption. */
  readonly replayed: boolean;
}

/** A kept server that ended, with the keeper's exit record. */
export interface KeptExited {
  readonly kind: 'exited';
  /** Set when the server exited normally; absent when a signal ended it. */
  readonly exitCode?: number;
  readonly signal?: NodeJS.Signals;
  /** True when `128+N` might have been `exit(128+N)` (docs/keeper-protocol.md, "Exit status"). */
  readonly ambiguous: boolean;
  /** True when {@link KeptServer.markStopRequested} was called before it ended. */
  readonly stopRequested: boolean;
}

/** How a kept server ended: its exit record, or `gone` when its keeper vanished without one. */
export type KeptOutcome = KeptExited | { readonly kind: 'gone'; readonly reason: 'keeper-killed' };

/** Callbacks of a kept server; pass them to {@link launchKept} or {@link adoptKept}. */
export interface KeptHandlers {
  /** Each output line, replayed ones first; none lost, none twice. */
  readonly onLine?: (line: KeptLine) => void;
  /** The cap dropped bytes of a stream before any host read them. */
  readonly onDropped?: (info: DroppedOutput) => void;
  /** The server ended (after its last line was delivered), or its keeper vanished. */
  readonly onExit?: (outcome: KeptOutcome) => void;
}

// Bytes delivered per event-loop turn, so a long replay does not starve the host.
const PUMP_BUDGET = 1024 * 1024;
// The one cheap fallback check, for a liveness FIFO that failed to report (it normally does).
const FALLBACK_CHECK_MS = 5000;

/**
 * A server running under a keeper: its console, its exit and its signals. Output is read from
 * the folder's segment files (woken by inotify); the exit is seen as EOF on the `alive` FIFO.
 * Everything here is non-blocking. Like a child process, an attached handle keeps the host's
 * event loop alive until the server ends; {@link KeptServer.unref} or `detach()` let it go.
 */
export class KeptServer {
  /** The server's pid; also its process group and session id. */
  readonly pid: number;
  readonly keeperPid: number;
  /** The folder's real path. */
  readonly dir: string;
  /** Settles once the server's end has been delivered to `onExit`; never rejects. */
  readonly exited: Promise<KeptOutcome>;
  readonly #paths: KeptPaths;
  readonly #meta: KeeperMeta;
  readonly #handlers: KeptHandlers;
  readonly #tails: readonly StreamTail[];
  readonly #cursorFd: number;
  #resolveExited: (outcome: KeptOutcome) => void = () => {};
  #outcome: KeptOutcome | undefined;
  #closed = false;
  #pumpQueued = false;
  #watcher: FSWatcher | undefined;
  #alive: Socket | undefined;
  #timer: NodeJS.Timeout | undefined;
  #consoleFd: number | undefined;

  /** @internal Use {@link launchKept} or {@link adoptKept}. */
  constructor(
    paths: KeptPaths,
    meta: KeeperMeta,
    from: OutputCursor,
    handlers: KeptHandlers,
    replay: boolean,
  ) {
    this.#paths = paths;
    this.#meta = meta;
    this.#handlers = handlers;
    this.pid = meta.serverPid;
    this.keeperPid = meta.keeperPid;
    this.dir = paths.dir;
    this.exited = new Promise((resolve) => {
      this.#resolveExited = resolve;
    });
    const sink = {
      line: (stream: KeptStream, text: string, replayed: boolean, time: Date) =>
        handlers.onLine?.({ stream, text, time, replayed }),
      dropped: (info: DroppedOutput) => handlers.onDropped?.(info),
      committed: () => this.#saveCursor(),
    };
    this.#tails = [
      new StreamTail(paths.dir, 'stdout', from.stdout, meta.segmentBytes, sink, replay),
      new StreamTail(paths.dir, 'stderr', from.stderr, meta.segmentBytes, sink, replay),
    ];
    // Not truncated: until the first read the previous host's cursor stays valid.
    this.#cursorFd = openSync(paths.cursor, constants.O_WRONLY | constants.O_CREAT, 0o600);
    this.#watch();
  }

  /** True once the keeper is gone and the outcome was delivered. */
  get hasExited(): boolean {
    return this.#outcome !== undefined;
  }

  /**
   * Writes `line` and a newline to the server's stdin through the console FIFO, never blocking.
   * Throws ERR_NOT_RUNNING once the server is gone, ERR_CONSOLE_FULL when the FIFO is full (the
   * server has not read 64 KiB of earlier input) or took only part of the line.
   */
  send(line: string): void {
    if (this.#outcome !== undefined || this.#closed) {
      throw new GamewardError('ERR_NOT_RUNNING', `Kept server ${this.dir} is not running`);
    }
    const data = Buffer.from(`${line}\n`);
    try {
      this.#consoleFd ??= openSync(this.#paths.console, constants.O_WRONLY | constants.O_NONBLOCK);
      const written = writeSync(this.#consoleFd, data);
      if (written < data.length) {
        throw new GamewardError(
          'ERR_CONSOLE_FULL',
          `The console of ${this.dir} took ${written} of ${data.length} bytes: it is full`,
        );
      }
    } catch (error) {
      if (error instanceof GamewardError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        throw new GamewardError(
          'ERR_CONSOLE_FULL',
          `The console of ${this.dir} is full: the server reads no input`,
          { cause: error },
        );
      }
      throw new GamewardError(
        'ERR_NOT_RUNNING',
        `The console of ${this.dir} has no reader (${code})`,
        { cause: error },
      );
    }
  }

  /**
   * Sends `signal` to the server's whole tree: its process group, every descendant (also those
   * that called setsid) and every process carrying its token, never the keeper. The server pid is
   * checked against its start time and its stdout first, so a reused pid is never signalled.
   * Returns the pids signalled.
   */
  async signal(signal: NodeJS.Signals | number): Promise<number[]> {
    if (this.#outcome !== undefined) return [];
    const table = await readProcTable();
    const targets = new Set<number>();
    const server = table.get(this.pid);
    const serverOurs =
      isLive(server) &&
      server.startTime === this.#meta.serverStart &&
      writesTo(this.pid, this.#paths.outPipe);
    if (serverOurs) {
      targets.add(this.pid);
      for (const entry of groupMembersIn(table, this.pid)) targets.add(entry.pid);
      for (const entry of descendantsIn(table, [this.pid])) targets.add(entry.pid);
    }
    if (this.#meta.token !== undefined) {
      for (const pid of await pidsWithEnv(KEPT_TOKEN_ENV, this.#meta.token)) {
        if (isLive(table.get(pid))) targets.add(pid);
      }
    }
    // The keeper and its output pumps form the keeper's own group; they end on their own.
    for (const pid of targets) if (table.get(pid)?.pgrp === this.keeperPid) targets.delete(pid);
    const sent: number[] = [];
    for (const pid of targets) if (sendSignal(pid, signal as NodeJS.Signals)) sent.push(pid);
    return sent;
  }

  /** Lets the host exit while this server runs (the handle keeps following it meanwhile). */
  unref(): this {
    this.#alive?.unref();
    return this;
  }

  /** Undoes {@link KeptServer.unref}. */
  ref(): this {
    this.#alive?.ref();
    return this;
  }

  /** Records that a stop was ordered, so the exit record says `stop_requested=1`. */
  markStopRequested(): void {
    writeFileSync(this.#paths.stopRequested, '');
  }

  /** Stops following the server and closes every fd; the server and its keeper keep running. */
  detach(): void {
    if (this.#closed) return;
    this.#pump(Number.POSITIVE_INFINITY);
    this.#close();
  }

  /** Deletes the folder. Only once the server is over: ERR_INVALID_STATE while it runs. */
  remove(): void {
    if (this.#outcome === undefined && isSameLiveProcess(this.keeperPid, this.#meta.keeperStart)) {
      throw new GamewardError(
        'ERR_INVALID_STATE',
        `Kept server ${this.dir} is still running: stop it before removing its folder`,
      );
    }
    this.#close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  #watch(): void {
    this.#watcher = watch(this.dir, { persistent: false }, () => this.#schedulePump());
    this.#watcher.on('error', () => this.#checkKeeper());
    // Opened after the keeper holds it (meta exists), so EOF means the keeper is gone.
    const fd = openSync(this.#paths.alive, constants.O_RDONLY | constants.O_NONBLOCK);
    const alive = new Socket({ fd, readable: true, writable: false });
    alive.on('data', () => {});
    alive.on('end', () => this.#onKeeperGone());
    alive.on('close', () => this.#onKeeperGone());
    alive.on('error', () => this.#checkKeeper());
    this.#alive = alive;
    this.#timer = setInterval(() => this.#checkKeeper(), FALLBACK_CHECK_MS).unref();
    setImmediate(() => {
      this.#pump(Number.POSITIVE_INFINITY);
      this.#checkKeeper();
    });
  }

  #checkKeeper(): void {
    if (!this.#closed && !isSameLiveProcess(this.keeperPid, this.#meta.keeperStart))
      this.#onKeeperGone();
  }

  #schedulePump(): void {
    if (this.#pumpQueued || this.#closed) return;
    this.#pumpQueued = true;
    setImmediate(() => {
      this.#pumpQueued = false;
      if (!this.#closed && this.#pump(PUMP_BUDGET) >= PUMP_BUDGET) this.#schedulePump();
    });
  }

  #pump(budget: number): number {
    let total = 0;
    try {
      for (const tail of this.#tails) total += tail.pump(budget);
    } catch {
      // A segment vanished under us (the folder was removed): what was readable was delivered.
    }
    return total;
  }

  #saveCursor(): void {
    const [out, err] = this.#tails;
    if (out === undefined || err === undefined || this.#closed) return;
    const record = formatCursor({ stdout: out.cursor, stderr: err.cursor });
    writeSync(this.#cursorFd, record, 0, CURSOR_BYTES, 0);
  }

  #onKeeperGone(): void {
    if (this.#closed || this.#outcome !== undefined) return;
    // The keeper waits for its output pumps before it exits: everything is on disk now.
    this.#pump(Number.POSITIVE_INFINITY);
    for (const tail of this.#tails) tail.flush();
    const outcome = this.#readOutcome();
    this.#outcome = outcome;
    this.#close();
    this.#handlers.onExit?.(outcome);
    this.#resolveExited(outcome);
  }

  #readOutcome(): KeptOutcome {
    let text: string;
    try {
      text = readFileSync(this.#paths.exit, 'latin1');
    } catch {
      return { kind: 'gone', reason: 'keeper-killed' };
    }
    try {
      const record = parseExit(text, this.#paths.exit);
      return toOutcome(record);
    } catch {
      return { kind: 'gone', reason: 'keeper-killed' };
    }
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#watcher?.close();
    this.#alive?.destroy();
    if (this.#timer !== undefined) clearInterval(this.#timer);
    for (const tail of this.#tails) tail.close();
    closeSync(this.#cursorFd);
    if (this.#consoleFd !== undefined) closeSync(this.#consoleFd);
    this.#consoleFd = undefined;
  }
}

/** Turns a parsed exit record into the outcome callers see. */
export function toOutcome(record: ReturnType<typeof parseExit>): KeptExited {
  return {
    kind: 'exited',
    ...(record.exitCode === undefined ? {} : { exitCode: record.exitCode }),
    ...(record.signal === undefined ? {} : { signal: record.signal }),
    ambiguous: record.ambiguous,
    stopRequested: record.stopRequested,
  };
}

/** True when `pid` is the keeper's server that has just died and awaits reaping (a zombie). */
export function isKeepersChild(pid: number, startTime: string, keeperPid: number): boolean {
  const view = viewProcess(pid);
  return view?.zombie === true && view.startTime === startTime && view.ppid === keeperPid;
}
