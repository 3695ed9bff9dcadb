import { type ChildProcess, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { LineSplitter } from '../console/line-splitter.js';

/** How a server process ended. */
export interface ExitInfo {
  readonly exitCode: number | undefined;
  readonly signal: NodeJS.Signals | undefined;
}

/** What a {@link ServerProcess} needs. */
export interface SpawnRequest {
  readonly file: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>> | undefined;
  /** Every console line, called synchronously as the bytes arrive. */
  /** One line; `time` is when the chunk that completed it was read. */
  readonly onLine: (stream: 'stdout' | 'stderr', text: string, time: number) => void;
  /** The process exited: called synchronously from the child's 'exit' event. */
  readonly onExit: (info: ExitInfo) => void;
}

// Once a run is over, a pipe that stays this quiet is closed (a descendant may hold it open).
const QUIET_MS = 250;
// The longest a caller waits for the last lines (a descendant that escaped may keep writing).
const DRAIN_LIMIT_MS = 1000;
// How often the pipes still open after their run ended are looked at, all of them together.
const DRAIN_TICK_MS = 50;

/** Pending console bytes (written, not yet taken by the server) before send() refuses. */
export const MAX_PENDING_CONSOLE_BYTES = 1024 * 1024;

type Subprocess = ChildProcess;

// node:child_process directly, not execa: a supervised server is a long-lived child read line by
// line, where execa's result promise and buffering are switched off but still paid for on every
// start (docs/design.md has the measured cost).
function launch(request: SpawnRequest): Subprocess {
  return spawn(request.file, [...request.args], {
    cwd: request.cwd,
    // Merged over the host's environment.
    env: request.env === undefined ? process.env : { ...process.env, ...request.env },
    stdio: ['pipe', 'pipe', 'pipe'],
    // setsid(): it leads its own session and process group, so the group can be signalled at once.
    detached: true,
    windowsHide: true,
  });
}

/**
 * One spawned server: its own process group leader (so the group can be signalled), stdin a pipe,
 * stdout and stderr read continuously into lines, so the child never blocks on a full pipe.
 */
export class ServerProcess {
  readonly spawned: Promise<void>;
  readonly exited: Promise<ExitInfo>;
  readonly #subprocess: Subprocess | undefined;
  #exit: ExitInfo | undefined;
  // stdout and stderr until they close; then finish() has nothing left to wait for.
  #openPipes = 0;
  // Chunks read so far: tells a quiet pipe from one still being drained.
  #chunks = 0;
  #finished: Promise<void> | undefined;
  #drain: Draining | undefined;

  constructor(request: SpawnRequest) {
    let resolveExit!: (info: ExitInfo) => void;
    this.exited = new Promise((resolve) => {
      resolveExit = resolve;
    });
    let subprocess: Subprocess;
    try {
      subprocess = launch(request);
    } catch (error) {
      this.spawned = Promise.reject(error);
      this.spawned.catch(() => undefined);
      return;
    }
    this.#subprocess = subprocess;
    const pipe = {
      chunk: (): void => {
        this.#chunks += 1;
      },
      closed: (): void => {
        this.#openPipes -= 1;
        if (this.#openPipes === 0) this.#drain?.done();
      },
    };
    for (const [stream, name] of [
      [subprocess.stdout, 'stdout'],
      [subprocess.stderr, 'stderr'],
    ] as const) {
      if (stream !== null) {
        this.#openPipes += 1;
        read(stream, name, request.onLine, pipe);
      }
    }
    // EPIPE when the server has exited or closed stdin: write() reports it to its caller.
    subprocess.stdin?.on('error', () => undefined);
    this.spawned = new Promise<void>((resolve, reject) => {
      let started = false;
      subprocess.once('spawn', () => {
        started = true;
        resolve();
      });
      // After the spawn, 'error' means a failed kill() or IPC send: nothing we use.
      subprocess.on('error', (error) => {
        if (!started) reject(error);
      });
      subprocess.once('exit', (code, signal) => {
        // A failed spawn may report an exit too; it never started, so it is not an exit.
        if (!started) return;
        this.#exit = { exitCode: code ?? undefined, signal: signal ?? undefined };
        resolveExit(this.#exit);
        request.onExit(this.#exit);
      });
    });
    this.spawned.catch(() => undefined);
  }

  get pid(): number | undefined {
    return this.#exit === undefined ? this.#subprocess?.pid : undefined;
  }

  /** The pid it had, after it exited too (the process group id). */
  get groupId(): number | undefined {
    return this.#subprocess?.pid;
  }

  get exit(): ExitInfo | undefined {
    return this.#exit;
  }

  get hasExited(): boolean {
    return this.#exit !== undefined;
  }

  /** Bytes written to stdin that the server has not taken yet. */
  get pendingInput(): number {
    return this.#subprocess?.stdin?.writableLength ?? 0;
  }

  /** Writes to stdin; rejects when the server does not take it (exited, stdin closed). */
  write(text: string): Promise<void> {
    const stdin = this.#subprocess?.stdin;
    if (stdin === undefined || stdin === null || !stdin.writable || this.#exit !== undefined) {
      return Promise.reject(new Error('stdin is closed'));
    }
    return new Promise((resolve, reject) => {
      stdin.write(text, (error) => (error ? reject(error) : resolve()));
    });
  }

  /**
   * Call once the run is over (exited, tree down). Resolves when stdout and stderr have closed
   * (their last lines published), at most DRAIN_LIMIT_MS later; then our ends are closed, so a
   * descendant that escaped the kill keeps neither our fds nor this object. A pipe quiet for
   * QUIET_MS is closed sooner.
   */
  finish(): Promise<void> {
    this.#finished ??= this.#finish();
    return this.#finished;
  }

  /**
   * Closes our ends of the pipes at once (dispose): a descendant that escaped and keeps writing
   * costs the host nothing afterwards. Lines not yet read are lost; stop() drains instead.
   */
  abandon(): void {
    const subprocess = this.#subprocess;
    if (subprocess === undefined) return;
    for (const stream of [subprocess.stdin, subprocess.stdout, subprocess.stderr]) {
      stream?.destroy();
    }
  }

  #finish(): Promise<void> {
    const subprocess = this.#subprocess;
    if (subprocess === undefined) return Promise.resolve();
    subprocess.stdin?.destroy();
    // The usual case: the pipes hit EOF with the exit, so nothing is armed (a crash storm of a
    // thousand exits must not arm thousands of timers).
    if (this.#openPipes === 0) {
      this.abandon();
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const now = performance.now();
      this.#drain = {
        deadline: now + DRAIN_LIMIT_MS,
        quietSince: now,
        seen: this.#chunks,
        chunks: () => this.#chunks,
        closeQuiet: () => {
          for (const stream of [subprocess.stdout, subprocess.stderr]) stream?.destroy();
        },
        done: () => {
          unwatchDrain(this.#drain as Draining);
          this.abandon();
          resolve();
        },
      };
      watchDrain(this.#drain);
    });
  }
}

/** A run whose pipes are still open after it ended. */
interface Draining {
  readonly deadline: number;
  quietSince: number;
  seen: number;
  chunks(): number;
  closeQuiet(): void;
  done(): void;
}

// One timer for every run being drained, rather than a timer and two socket timeouts per run.
const draining = new Set<Draining>();
let drainTimer: NodeJS.Timeout | undefined;

function watchDrain(entry: Draining): void {
  draining.add(entry);
  drainTimer ??= setInterval(checkDrains, DRAIN_TICK_MS);
}

function unwatchDrain(entry: Draining): void {
  draining.delete(entry);
  if (draining.size > 0 || drainTimer === undefined) return;
  clearInterval(drainTimer);
  drainTimer = undefined;
}

function checkDrains(): void {
  const now = performance.now();
  for (const entry of draining) {
    if (now >= entry.deadline) {
      entry.done();
      continue;
    }
    const chunks = entry.chunks();
    if (chunks !== entry.seen) {
      entry.seen = chunks;
      entry.quietSince = now;
    } else if (now - entry.quietSince >= QUIET_MS) {
      // The poll phase first reads what is pending: a loaded machine that stalled must not cut
      // the last lines.
      setImmediate(() => {
        if (entry.chunks() === chunks) entry.closeQuiet();
      });
    }
  }
}

/** Feeds `stream` into lines; `pipe.closed()` once it closed (its last partial line emitted). */
function read(
  stream: Readable,
  name: 'stdout' | 'stderr',
  onLine: SpawnRequest['onLine'],
  pipe: { chunk(): void; closed(): void },
): void {
  // Every line a chunk completes was read at the same moment: one clock read per chunk.
  let readAt = 0;
  const splitter = new LineSplitter((text) => onLine(name, text, readAt));
  stream.on('data', (chunk: Buffer) => {
    pipe.chunk();
    readAt = Date.now();
    splitter.push(chunk);
  });
  // A read error ends the stream ('close' follows); the exit is what counts.
  stream.on('error', () => undefined);
  stream.once('close', () => {
    readAt = Date.now();
    splitter.flush();
    pipe.closed();
  });
}
