import { GamewardError } from '../errors.js';
import { abortError } from '../util/abort.js';
import { classifyFailure, parseComposeMajor } from './failure.js';
import type { NormalizedComposeConfig } from './options.js';
import type { ComposeRunner, RunCall } from './runner.js';

/** The bounds of one compose command. */
export type ComposeCall = RunCall;

/** What the classification asks when a command ran out of time: is the engine answering? */
export type EnginePing = () => Promise<boolean>;

/**
 * The compose CLI: `up -d`, `stop -t`, `down -t`, `kill`, run by a {@link ComposeRunner} (this
 * machine, or a remote host over SSH). Each command resolves when it ends (no fixed wait), goes
 * through its place's limit (see cli-limit.ts), is bounded by a timeout and cancelled by its
 * AbortSignal: either kills its whole process group. Every failure becomes a GamewardError (see
 * failure.ts).
 */
export class ComposeCli {
  readonly #config: NormalizedComposeConfig;
  readonly #runner: ComposeRunner;
  readonly #ping: EnginePing;

  constructor(config: NormalizedComposeConfig, runner: ComposeRunner, ping: EnginePing) {
    this.#config = config;
    this.#runner = runner;
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
    return this.#runner.limit.run(() => this.#exec(label, args, call), call.signal);
  }

  async #exec(label: string, args: readonly string[], call: ComposeCall): Promise<string> {
    const { signal } = call;
    if (signal?.aborted === true) throw abortError(signal, this.#config.id);
    const argv = ['compose', '--ansi', 'never', '-p', this.#config.projectName, ...args];
    const outcome = await this.#runner.run(argv, call);
    if (isAborted(signal)) throw abortError(signal, this.#config.id);
    if (outcome.timedOut) throw await this.#timedOut(label, call.timeoutMs, outcome.stderr);
    if (outcome.exitCode === 0) return outcome.stdout;
    throw await this.#classify({
      command: label,
      exitCode: outcome.exitCode,
      stderr: outcome.stderr,
      notRun: outcome.notRun,
      cause: outcome.cause,
    });
  }

  async #timedOut(label: string, timeoutMs: number, stderr: string): Promise<GamewardError> {
    const id = this.#config.id;
    if (!(await this.#ping())) {
      return new GamewardError(
        'ERR_ENGINE_UNAVAILABLE',
        `\`${label}\` did not finish within ${timeoutMs} ms and the Docker engine (${this.#runner.engineDisplay}) does not answer`,
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
      engineDisplay: this.#runner.engineDisplay,
      where: this.#runner.where,
      composeMajor: () => this.#composeMajor(),
    });
  }

  async #composeMajor(): Promise<number | undefined> {
    const call = { timeoutMs: this.#config.engineTimeoutMs };
    const outcome = await this.#runner
      .run(['compose', 'version', '--short'], call)
      .catch(() => undefined);
    return outcome?.exitCode === 0 ? parseComposeMajor(outcome.stdout) : undefined;
  }
}

function isAborted(signal: AbortSignal | undefined): signal is AbortSignal {
  return signal?.aborted === true;
}
