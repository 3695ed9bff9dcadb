import { execa } from 'execa';
import { GamewardError } from '../errors.js';
import type { NormalizedSwarmConfig } from './options.js';

/** Bound on one `docker stack` command: deploy reads files and creates services, no more. */
const COMMAND_TIMEOUT_MS = 120_000;
const MAX_OUTPUT = 1024 * 1024;

/**
 * The two `docker stack` commands the plane runs through the CLI (the stack file's parsing and
 * conversion live only there). Each is bounded and cancelled by its signal; a failure is a
 * {@link GamewardError}: `ERR_ENGINE_UNAVAILABLE` when the engine cannot be reached or is no
 * swarm manager, `ERR_COMPOSE` (with `exitCode` and `stderr`) for the rest, a broken stack file
 * first of all.
 */
export class StackCli {
  readonly #config: NormalizedSwarmConfig;
  readonly #env: Record<string, string | undefined>;

  constructor(config: NormalizedSwarmConfig) {
    this.#config = config;
    this.#env = { ...process.env, ...config.env };
  }

  /**
   * `docker stack deploy --resolve-image never -c ... <stack>`: never a registry round trip
   * (local images), and no `--prune` (a service the files dropped is the user's to remove).
   */
  async deploy(signal: AbortSignal): Promise<void> {
    const files = this.#config.files.flatMap((file) => ['-c', file]);
    await this.#run(
      'docker stack deploy',
      ['stack', 'deploy', '--resolve-image', 'never', ...files, this.#config.stackName],
      signal,
    );
  }

  /** `docker stack rm <stack>`: returns at once; the tasks end after it (volumes are kept). */
  async remove(signal?: AbortSignal): Promise<void> {
    await this.#run('docker stack rm', ['stack', 'rm', this.#config.stackName], signal);
  }

  async #run(
    label: string,
    args: readonly string[],
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const { id, docker, cwd } = this.#config;
    const result = await execa(docker, args, {
      cwd,
      env: this.#env,
      extendEnv: false,
      stdin: 'ignore',
      reject: false,
      timeout: COMMAND_TIMEOUT_MS,
      maxBuffer: MAX_OUTPUT,
      ...(signal === undefined ? {} : { cancelSignal: signal }),
    });
    if (!result.failed) return;
    if (result.isCanceled && signal?.aborted) throw signal.reason;
    const stderr = result.stderr.trim();
    const options = { instanceId: id, exitCode: result.exitCode, stderr, cause: result };
    if (result.exitCode === undefined) {
      if (result.timedOut) {
        const why = `did not end within ${COMMAND_TIMEOUT_MS} ms`;
        throw new GamewardError('ERR_ENGINE_UNAVAILABLE', `\`${label}\` ${why}`, options);
      }
      const missing = (result.cause as { code?: string } | undefined)?.code === 'ENOENT';
      throw new GamewardError(
        missing ? 'ERR_EXECUTABLE_NOT_FOUND' : 'ERR_SPAWN_FAILED',
        `\`${label}\` could not run ${JSON.stringify(docker)}: ${result.shortMessage}`,
        options,
      );
    }
    if (
      /not a swarm manager|not part of a swarm|Cannot connect to the Docker daemon/i.test(stderr)
    ) {
      throw new GamewardError(
        'ERR_ENGINE_UNAVAILABLE',
        `\`${label}\` needs a swarm manager: ${firstLine(stderr)}`,
        options,
      );
    }
    throw new GamewardError(
      'ERR_COMPOSE',
      `\`${label}\` of stack ${JSON.stringify(this.#config.stackName)} in ${JSON.stringify(cwd)} failed with code ${result.exitCode}: ${firstLine(stderr)}`,
      options,
    );
  }
}

function firstLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim() !== '') ?? '(no output)';
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}
