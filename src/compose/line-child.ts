import { execa } from 'execa';
import { LineSplitter } from '../console/line-splitter.js';

/** How long a stopped stream gets to exit after SIGTERM before SIGKILL. */
const KILL_GRACE_MS = 2000;

/** How a long-lived docker command ended. */
export interface LineChildExit {
  readonly exitCode: number | undefined;
  /** The tail of its stderr, for the log and for error classification. */
  readonly stderr: string;
  /** The spawn error (ENOENT...), when it never ran. */
  readonly cause: unknown;
  /** True when {@link LineChild.stop} ended it. */
  readonly stopped: boolean;
}

/** Options of {@link spawnLineChild}. */
export interface LineChildOptions {
  readonly file: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly onLine: (text: string, stream: 'stdout' | 'stderr') => void;
  /** Called once, after both streams were flushed. */
  readonly onExit: (exit: LineChildExit) => void;
}

/** A running long-lived docker command (`docker events`, `docker logs -f`). */
export interface LineChild {
  readonly pid: number | undefined;
  /** Resolves once the process has exited and its last lines were delivered. */
  readonly exited: Promise<void>;
  /** SIGTERM, SIGKILL after a grace; resolves once it is gone. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Spawns a docker command whose output is read line by line, never buffered whole. It is the
 * docker CLI itself (no compose plugin in between), so SIGTERM ends it at once; execa escalates
 * to SIGKILL after a grace, and kills it if the host process exits.
 */
export function spawnLineChild(options: LineChildOptions): LineChild {
  let stopped = false;
  let stderrTail = '';
  const subprocess = execa(options.file, [...options.args], {
    cwd: options.cwd,
    env: options.env,
    extendEnv: false,
    stdin: 'ignore',
    buffer: false,
    reject: false,
    forceKillAfterDelay: KILL_GRACE_MS,
  });
  const out = new LineSplitter((text) => options.onLine(text, 'stdout'));
  const err = new LineSplitter((text) => {
    // Only the tail matters for a diagnosis; keep memory bounded.
    stderrTail = `${stderrTail}\n${text}`.slice(-4096);
    options.onLine(text, 'stderr');
  });
  subprocess.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
  subprocess.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
  const exited = subprocess
    .then((result) => {
      out.flush();
      err.flush();
      const spawnError = result.failed && result.exitCode === undefined && !result.isTerminated;
      options.onExit({
        exitCode: result.exitCode,
        stderr: stderrTail.trim(),
        cause: spawnError ? result : undefined,
        stopped,
      });
    })
    // reject: false makes execa resolve on failure; this only guards a throwing onExit.
    .catch(() => undefined);
  return {
    pid: subprocess.pid,
    exited,
    stop(): Promise<void> {
      if (!stopped) {
        stopped = true;
        subprocess.kill('SIGTERM');
      }
      return exited;
    },
  };
}
