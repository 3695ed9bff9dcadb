import { COMPOSE_CLI_CONCURRENCY, Limit } from '../../compose/cli-limit.js';
import type { ComposeRunner, RunCall, RunOutcome } from '../../compose/runner.js';
import { isGamewardError } from '../../errors.js';
import { forInstance } from '../link-errors.js';
import type { SshLink } from '../ssh-link.js';

// A fixed program: the stack's directory and the command arrive as arguments, never as text.
const IN_DIR =
  'cd -- "$1" 2>/dev/null || { printf "%s\\n" "gameward: no directory $1" >&2; exit 1; }; shift; exec "$@"';
const NO_DIR = /^gameward: no directory /m;

// Compose commands are heavy on the remote machine too: the same bound, per remote host.
const limits = new WeakMap<SshLink, Limit>();

/** Where and how a remote stack's commands run. */
export interface RemoteRunnerInit {
  readonly instanceId: string;
  /** The remote directory the commands run in (the stack's `cwd`). */
  readonly cwd: string;
  /** The docker CLI on the remote host. */
  readonly docker: string;
  /** Set for the commands, over the remote login's own environment. */
  readonly env: Readonly<Record<string, string>>;
  readonly engineDisplay: string;
  /** ` on user@host:port`, for messages. */
  readonly where: string;
  /** The host's link (leased on first use). */
  readonly link: () => SshLink;
}

/**
 * The docker CLI of a remote host, each command one `exec` on the host's SSH link:
 * `sh -c '<cd, then exec>' sh <cwd> env K=V... docker compose ...`, every value an argument. A
 * timeout or an abort kills the command's process group on the remote host (see ssh-link.ts).
 */
export class RemoteComposeRunner implements ComposeRunner {
  readonly engineDisplay: string;
  readonly where: string;
  readonly #init: RemoteRunnerInit;

  constructor(init: RemoteRunnerInit) {
    this.#init = init;
    this.engineDisplay = init.engineDisplay;
    this.where = init.where;
  }

  get limit(): Limit {
    const link = this.#init.link();
    let limit = limits.get(link);
    if (limit === undefined) {
      limit = new Limit(COMPOSE_CLI_CONCURRENCY);
      limits.set(link, limit);
    }
    return limit;
  }

  async run(argv: readonly string[], call: RunCall): Promise<RunOutcome> {
    const { cwd, docker, env } = this.#init;
    const pairs = Object.entries(env).map(([name, value]) => `${name}=${value}`);
    const command = ['sh', '-c', IN_DIR, 'sh', cwd, 'env', ...pairs, docker, ...argv];
    try {
      const result = await this.#init
        .link()
        .exec(command, { signal: call.signal, timeoutMs: call.timeoutMs });
      const { stdout, stderr, exitCode } = result;
      if (exitCode === 1 && NO_DIR.test(stderr)) {
        return { exitCode: undefined, stdout, stderr, timedOut: false, notRun: 'cwd' };
      }
      // `env` could not find (127) or execute (126) the docker CLI.
      if (exitCode === 127 || exitCode === 126) {
        return { exitCode: undefined, stdout, stderr, timedOut: false, notRun: 'docker' };
      }
      return { exitCode: exitCode ?? undefined, stdout, stderr, timedOut: false };
    } catch (error) {
      if (isGamewardError(error, 'ERR_TIMEOUT') && call.signal?.aborted !== true) {
        return { exitCode: undefined, stdout: '', stderr: '', timedOut: true };
      }
      throw forInstance(error, this.#init.instanceId);
    }
  }

  async cwdExists(): Promise<boolean> {
    const result = await this.#init
      .link()
      .exec(['test', '-d', this.#init.cwd], { timeoutMs: 10_000 });
    return result.exitCode === 0;
  }
}
