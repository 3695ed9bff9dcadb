import { execa } from 'execa';
import { GamewardError } from '../errors.js';
import { abortError } from '../util/abort.js';
import { composeCliLimit } from './cli-limit.js';
import { classifyFailure, parseComposeMajor } from './failure.js';
import type { NormalizedComposeConfig } from './options.js';

/** Retained stdout/stderr per compose command: enough for any error, bounded for a runaway. */
const MAX_OUTPUT = 4 * 1024 * 1024;

/** One compose command: its label for messages, its arguments after `-p`, and its bounds. */
export interface ComposeCall {
  readonly signal?: AbortSignal | undefined;
  /** The command is killed (its whole process group) after this long. */
  readonly timeoutMs: number;
}

/** What the classification asks when a command ran out of time: is the engine answering? */
export type EnginePing = () => Promise<boolean>;

// Process groups of the compose commands running now, killed if the host exits under them
// (execa's own cleanup does not cover detached children).
const liveGroups = new Set<number>();
let exitHook = false;

/**
 * The compose CLI, run directly through execa: `up -d`, `stop -t`, `down -t`, `kill`. Each
 * command resolves on the child's close (no fixed wait), goes through the host-wide
 * {@link composeCliLimit}, is bounded by a timeout and cancelled by its AbortSignal: either kills
 * its whole process group (the docker CLI and its compose plugin, which ignores a first SIGTERM,
 * docker/cli#4402). Every failure becomes a GamewardError (see failure.ts).
 */
export class ComposeCli {
  readonly #config: NormalizedComposeConfig;
  readonly #env: Record<string, string | undefined>;
  readonly #ping: EnginePing;

  constructor(
    config: NormalizedComposeConfig,
    env: Record<string, string | undefined>,
    ping: EnginePing,
  ) {
    this.#config = config;
    this.#env = env;
    this.#ping = ping;
  }

  /** `compose up -d`: creates and starts the whole stack (reads the compose files). */
  up(call: ComposeCall): Promise<void> {
    const files = this.#config.files.flatMap((f) => ['-f', f]);
    return this.#run('compose up', [...files, 'up', '-d'], call).then(() => undefined);
  }

  /** `compose stop -t N` of the whole project. */
  stop(seconds: number, call: ComposeCall): Promise<void> {
    return this.#run('compose stop', ['stop', '-t', String(seconds)], call).then(() => undefined);
  }

  /** `compose down -t N` of the whole project (named volumes are kept). */
  down(seconds: number, call: ComposeCall): Promise<void> {
    return this.#run('compose down', ['down', '-t', String(seconds)], call).then(() => undefined);
  }

  /** `compose kill`: SIGKILL to every container of the project. */
  kill(call: ComposeCall): Promise<void> {
    return this.#run('compose kill', ['kill'], call).then(() => undefined);
  }

  /** The services the compose files define (`compose config --services`). */
  async services(call: ComposeCall): Promise<string[]> {
    const files = this.#config.files.flatMap((f) => ['-f', f]);
    const out = await this.#run('compose config', [...files, 'config', '--services'], call);
    return out
      .split('\n')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
  }

  #run(label: string, args: readonly string[], call: ComposeCall): Promise<string> {
    return composeCliLimit.run(() => this.#exec(label, args, call), call.signal);
  }

  async #exec(label: string, args: readonly string[], call: ComposeCall): Promise<string> {
    const { signal } = call;
    if (signal?.aborted === true) throw abortError(signal, this.#config.id);
    const child = execa(
      this.#config.docker,
      ['compose', '--ansi', 'never', '-p', this.#config.projectName, ...args],
      {
        cwd: this.#config.cwd,
        env: this.#env,
        extendEnv: false,
        stdin: 'ignore',
        reject: false,
        // Its own process group, so that a cancel reaches the compose plugin too.
        detached: true,
        maxBuffer: MAX_OUTPUT,
      },
    );
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
    if (isAborted(signal)) throw abortError(signal, this.#config.id);
    if (timedOut) throw await this.#timedOut(label, call.timeoutMs, String(result.stderr ?? ''));
    if (!result.failed) return String(result.stdout ?? '');
    const spawnError = result.exitCode === undefined ? result : undefined;
    throw await this.#classify({
      command: label,
      exitCode: result.exitCode,
      stderr: String(result.stderr ?? ''),
      cause: spawnError?.cause ?? spawnError,
    });
  }

  async #timedOut(label: string, timeoutMs: number, stderr: string): Promise<GamewardError> {
    const id = this.#config.id;
    const host = this.#env.DOCKER_HOST ?? 'the default socket';
    if (!(await this.#ping())) {
      return new GamewardError(
        'ERR_ENGINE_UNAVAILABLE',
        `\`${label}\` did not finish within ${timeoutMs} ms and the Docker engine (DOCKER_HOST=${host}) does not answer`,
        { instanceId: id, stderr },
      );
    }
    return new GamewardError('ERR_COMPOSE', `\`${label}\` did not finish within ${timeoutMs} ms`, {
      instanceId: id,
      stderr,
    });
  }

  #classify(failure: Parameters<typeof classifyFailure>[0]): Promise<GamewardError> {
    return classifyFailure(failure, {
      instanceId: this.#config.id,
      cwd: this.#config.cwd,
      docker: this.#config.docker,
      env: this.#env,
      composeMajor: () => this.#composeMajor(),
    });
  }

  async #composeMajor(): Promise<number | undefined> {
    const result = await execa(this.#config.docker, ['compose', 'version', '--short'], {
      env: this.#env,
      extendEnv: false,
      stdin: 'ignore',
      reject: false,
      timeout: this.#config.engineTimeoutMs,
    });
    return result.failed ? undefined : parseComposeMajor(String(result.stdout ?? ''));
  }
}

function isAborted(signal: AbortSignal | undefined): signal is AbortSignal {
  return signal?.aborted === true;
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
