import { stat } from 'node:fs/promises';
import { execa } from 'execa';
import { composeCliLimit, type Limit } from './cli-limit.js';

/** Retained stdout/stderr per compose command: enough for any error, bounded for a runaway. */
export const MAX_COMPOSE_OUTPUT = 4 * 1024 * 1024;

/** Bounds of one command: the caller's signal cancels it, `timeoutMs` ends it. */
export interface RunCall {
  readonly signal?: AbortSignal | undefined;
  /** The command (its whole process group) is killed after this long. */
  readonly timeoutMs: number;
}

/** How one docker CLI command ended. */
export interface RunOutcome {
  /** undefined when it never ran, or was killed by a signal. */
  readonly exitCode: number | undefined;
  readonly stdout: string;
  readonly stderr: string;
  /** Killed by `timeoutMs`. */
  readonly timedOut: boolean;
  /**
   * Why it never ran: `docker` (the CLI is not there, or not executable) or `cwd` (the stack's
   * directory is not there). The spawn error, when there is one, is `cause`.
   */
  readonly notRun?: 'docker' | 'cwd' | undefined;
  readonly cause?: unknown;
}

/**
 * Where a stack's docker CLI commands run: on this machine (execa), or on a remote host over
 * its SSH link (src/remote/compose). `argv` is what follows the docker CLI's name.
 */
export interface ComposeRunner {
  /** The limit every command of this place goes through (compose is heavy: see cli-limit.ts). */
  readonly limit: Limit;
  /** What to show for the engine in messages (`DOCKER_HOST=...`, `root@host:22`). */
  readonly engineDisplay: string;
  /** Where the commands run, for messages: empty here, ` on user@host:port` for a remote host. */
  readonly where: string;
  run(argv: readonly string[], call: RunCall): Promise<RunOutcome>;
  /** Whether the stack's directory exists where the commands run. */
  cwdExists(): Promise<boolean>;
}

// Process groups of the compose commands running now, killed if the host exits under them
// (execa's own cleanup does not cover detached children).
const liveGroups = new Set<number>();
let exitHook = false;

/**
 * The docker CLI on this machine, run directly through execa (no shell, no fixed wait): resolves
 * on the child's close; a timeout or an abort kills its whole process group (the docker CLI and
 * its compose plugin, which ignores a first SIGTERM, docker/cli#4402).
 */
export class LocalComposeRunner implements ComposeRunner {
  readonly limit = composeCliLimit;
  readonly where = '';
  readonly engineDisplay: string;
  readonly #docker: string;
  readonly #cwd: string;
  readonly #env: Record<string, string | undefined>;

  constructor(docker: string, cwd: string, env: Record<string, string | undefined>) {
    this.#docker = docker;
    this.#cwd = cwd;
    this.#env = env;
    this.engineDisplay = `DOCKER_HOST=${env.DOCKER_HOST ?? 'the default context'}`;
  }

  async run(argv: readonly string[], call: RunCall): Promise<RunOutcome> {
    const { signal } = call;
    const child = execa(this.#docker, argv, {
      cwd: this.#cwd,
      env: this.#env,
      extendEnv: false,
      stdin: 'ignore',
      reject: false,
      // Its own process group, so that a cancel reaches the compose plugin too.
      detached: true,
      maxBuffer: MAX_COMPOSE_OUTPUT,
    });
    const pid = child.pid;
    let timedOut = false;
    const killGroup = (): void => {
      if (pid === undefined) return;
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, call.timeoutMs);
    signal?.addEventListener('abort', killGroup, { once: true });
    if (pid !== undefined) track(pid);
    const result = await child;
    clearTimeout(timer);
    signal?.removeEventListener('abort', killGroup);
    if (pid !== undefined) liveGroups.delete(pid);
    const spawnError = result.exitCode === undefined && !timedOut ? result : undefined;
    const code = (spawnError?.cause as { code?: unknown } | undefined)?.code;
    const missing = code === 'ENOENT' || code === 'EACCES' || code === 'ENOTDIR';
    return {
      exitCode: result.exitCode,
      stdout: String(result.stdout ?? ''),
      stderr: String(result.stderr ?? ''),
      timedOut,
      notRun: missing ? ((await this.cwdExists()) ? 'docker' : 'cwd') : undefined,
      cause: spawnError?.cause ?? spawnError,
    };
  }

  async cwdExists(): Promise<boolean> {
    try {
      return (await stat(this.#cwd)).isDirectory();
    } catch {
      return false;
    }
  }
}

function track(pid: number): void {
  liveGroups.add(pid);
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const group of liveGroups) {
      try {
        process.kill(-group, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
  });
}
