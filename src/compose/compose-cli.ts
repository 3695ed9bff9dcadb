import * as compose from 'docker-compose';
import { execa } from 'execa';
import { GamewardError } from '../errors.js';
import { classifyFailure, parseComposeMajor } from './failure.js';
import { InFlight } from './in-flight.js';
import type { NormalizedComposeConfig } from './options.js';

/** Retained stdout/stderr per compose command: `ps` of a big stack fits, a runaway stays bounded. */
const MAX_OUTPUT = 4 * 1024 * 1024;
/** Bound on the short docker commands (inspect, stats, version) so a wedged engine cannot hang us. */
const SHORT_COMMAND_TIMEOUT_MS = 30_000;

/** One line of `compose ps --all --format json`. */
export interface PsEntry {
  readonly ID: string;
  readonly Name: string;
  readonly Service: string;
  readonly State: string;
  readonly Health: string;
  readonly ExitCode: number;
}

/** The settled result of a short docker command run through execa. */
interface DockerResult {
  stdout: string;
}

/**
 * The compose and docker commands one instance runs. `up` reads the compose files; `ps`, `stop`,
 * `kill` and `down` address the project by name only, so they keep working when the files are
 * gone or broken. Every failure becomes a {@link GamewardError} (see failure.ts). Every command
 * in flight is known, so {@link close} can end them all.
 */
export class ComposeCli {
  readonly #config: NormalizedComposeConfig;
  readonly #env: Record<string, string | undefined>;
  readonly #pending = new InFlight();
  // Cancels the short docker commands (execa's); the npm package's cannot be cancelled.
  readonly #closing = new AbortController();

  constructor(config: NormalizedComposeConfig) {
    this.#config = config;
    // The npm package replaces the environment instead of extending it.
    this.#env = { ...process.env, ...config.env };
  }

  /** `compose up -d`: creates and starts the whole stack. */
  async up(): Promise<void> {
    const files = this.#config.files;
    await this.#compose('compose up', (options) =>
      compose.upAll({ ...options, ...(files.length > 0 ? { config: [...files] } : {}) }),
    );
  }

  /** `compose stop -t N` of the whole project. */
  async stop(timeoutSeconds: number): Promise<void> {
    await this.#compose('compose stop', (options) =>
      compose.stop({ ...options, commandOptions: ['-t', String(timeoutSeconds)] }),
    );
  }

  /** `compose down -t N` of the whole project (volumes are kept). */
  async down(timeoutSeconds: number): Promise<void> {
    await this.#compose('compose down', (options) =>
      compose.down({ ...options, commandOptions: ['-t', String(timeoutSeconds)] }),
    );
  }

  /** `compose kill`: SIGKILL to every container of the project. */
  async kill(): Promise<void> {
    await this.#compose('compose kill', (options) => compose.kill(options));
  }

  /** `compose ps --all --format json`: every container of the project, stopped ones included. */
  async ps(): Promise<PsEntry[]> {
    const out = await this.#compose('compose ps', (options) =>
      compose.execCompose('ps', [], {
        ...options,
        commandOptions: ['--all', ['--format', 'json']],
      }),
    );
    return parsePs(out);
  }

  /** `docker inspect` of the given containers (raw engine objects). */
  async inspect(ids: readonly string[]): Promise<unknown[]> {
    if (ids.length === 0) return [];
    // A container removed between `ps` and `inspect` is simply not there any more.
    const { stdout } = await this.docker(
      'docker inspect',
      ['inspect', '--type', 'container', ...ids],
      /No such (container|object)/i,
    );
    const parsed: unknown = JSON.parse(stdout || '[]');
    return Array.isArray(parsed) ? parsed : [];
  }

  /** Runs a short docker command; a failure (unless its stderr matches `tolerate`) is thrown. */
  docker(label: string, args: readonly string[], tolerate?: RegExp): Promise<DockerResult> {
    return this.#track(async () => {
      const result = await this.#exec(args);
      if (result.isCanceled) throw this.#disposed();
      if (!result.failed) return { stdout: result.stdout };
      if (tolerate?.test(result.stderr) === true && result.exitCode !== undefined) {
        return { stdout: result.stdout };
      }
      const spawnError = result.exitCode === undefined ? result : undefined;
      throw await this.#classify({
        command: label,
        exitCode: result.exitCode,
        stderr: result.stderr,
        cause: spawnError?.cause ?? spawnError,
      });
    });
  }

  /** Refuses new commands, cancels the short ones, resolves once none is left running. */
  async close(): Promise<void> {
    this.#closing.abort();
    while (this.#pending.size > 0) await this.#pending.settled();
  }

  /** Runs a compose command through the npm package; resolves with its stdout. */
  #compose(
    label: string,
    run: (options: compose.IDockerComposeOptions) => Promise<compose.IDockerComposeResult>,
  ): Promise<string> {
    return this.#track(async () => {
      try {
        const { out } = await run({
          cwd: this.#config.cwd,
          env: this.#env,
          executable: { executablePath: this.#config.docker },
          composeOptions: ['--ansi', 'never', '-p', this.#config.projectName],
          maxOutputLength: MAX_OUTPUT,
        });
        return out;
      } catch (rejection) {
        // The package rejects with a plain {exitCode, out, err} object, or an Error when spawn fails.
        if (rejection instanceof Error) {
          throw await this.#classify({ command: label, cause: rejection });
        }
        const result = rejection as Partial<compose.IDockerComposeResult>;
        throw await this.#classify({
          command: label,
          exitCode: result.exitCode ?? undefined,
          stderr: result.err,
          cause: rejection,
        });
      }
    });
  }

  /** Runs `command` unless closed, and remembers it until it settles. */
  #track<T>(command: () => Promise<T>): Promise<T> {
    if (this.#closing.signal.aborted) return Promise.reject(this.#disposed());
    return this.#pending.track(command());
  }

  /** A short docker command, bounded by a timeout and cancelled by {@link close}. */
  #exec(args: readonly string[]) {
    return execa(this.#config.docker, args, {
      cwd: this.#config.cwd,
      env: this.#env,
      extendEnv: false,
      stdin: 'ignore',
      reject: false,
      timeout: SHORT_COMMAND_TIMEOUT_MS,
      maxBuffer: MAX_OUTPUT,
      cancelSignal: this.#closing.signal,
    });
  }

  #disposed(): GamewardError {
    const id = this.#config.id;
    return new GamewardError('ERR_DISPOSED', `Instance ${JSON.stringify(id)} has been disposed`, {
      instanceId: id,
    });
  }

  #classify(failure: Parameters<typeof classifyFailure>[0]) {
    return classifyFailure(failure, {
      instanceId: this.#config.id,
      cwd: this.#config.cwd,
      docker: this.#config.docker,
      env: this.#env,
      composeMajor: () => this.#composeMajor(),
    });
  }

  async #composeMajor(): Promise<number | undefined> {
    try {
      const result = await this.#exec(['compose', 'version', '--short']);
      return result.failed ? undefined : parseComposeMajor(result.stdout);
    } catch {
      return undefined;
    }
  }
}

/** Parses `ps --format json`: one object per line (compose >= 2.21) or one array (older). */
export function parsePs(out: string): PsEntry[] {
  const text = out.trim();
  if (text.length === 0) return [];
  const items: unknown[] = text.startsWith('[')
    ? (JSON.parse(text) as unknown[])
    : text.split('\n').map((line) => JSON.parse(line) as unknown);
  return items.filter(isPsEntry);
}

function isPsEntry(value: unknown): value is PsEntry {
  const v = value as Partial<PsEntry> | null;
  return typeof v?.ID === 'string' && typeof v.Service === 'string' && typeof v.State === 'string';
}
