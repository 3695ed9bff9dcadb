import { DEFAULT_READINESS_TIMEOUT_MS } from '../console/readiness.js';
import { isGamewardError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ComposeCli } from './compose-cli.js';
import type { NormalizedComposeConfig } from './options.js';
import type { StackWatch } from './stack-watch.js';

/**
 * The compose commands of one stack with their bounds (see docs/compose.md): `up` by the start
 * timeout, `stop`/`down` by twice the stop budget (compose stops services in dependency order),
 * `kill` by twice the engine's bound; each plus the engine's bound, each cancellable.
 */
export class StackCommands {
  readonly #config: NormalizedComposeConfig;
  readonly #cli: ComposeCli;
  readonly #watch: StackWatch;
  readonly #logger: Logger;
  // The graceful stop in flight: kill cuts it short.
  #stopping: { abort: AbortController; done: Promise<void> } | undefined;

  constructor(config: NormalizedComposeConfig, cli: ComposeCli, watch: StackWatch, logger: Logger) {
    this.#config = config;
    this.#cli = cli;
    this.#watch = watch;
    this.#logger = logger;
  }

  /** `compose up -d`, bounded by the start timeout (which the core enforces through `signal`). */
  async up(signal: AbortSignal): Promise<void> {
    const startTimeoutMs = this.#config.readiness?.timeoutMs ?? DEFAULT_READINESS_TIMEOUT_MS;
    const call = { signal, timeoutMs: startTimeoutMs + this.#config.engineTimeoutMs };
    try {
      await this.#cli.up(call);
    } catch (error) {
      if (!isInterfaceRace(error) || signal.aborted) throw error;
      this.#logger.warn(
        { instanceId: this.#config.id, err: error },
        'the engine lost a network interface while creating the network; compose up once more',
      );
      await this.#cli.up(call);
    }
  }

  /** The services the compose files define. */
  services(signal: AbortSignal): Promise<string[]> {
    return this.#cli.services({ signal, timeoutMs: 2 * this.#config.engineTimeoutMs });
  }

  /** `compose stop -t N` (or `down -t N`); `signal` or {@link cutStop} kills it. */
  async stop(signal: AbortSignal | undefined): Promise<void> {
    const abort = new AbortController();
    const joined = signal === undefined ? abort.signal : AbortSignal.any([signal, abort.signal]);
    const seconds = Math.ceil(this.#config.stopTimeoutMs / 1000);
    const call = { signal: joined, timeoutMs: 2 * seconds * 1000 + this.#config.engineTimeoutMs };
    const run = this.#config.removeOnStop
      ? this.#cli.down(seconds, call)
      : this.#cli.stop(seconds, call);
    const done = run.then(
      () => undefined,
      () => undefined,
    );
    this.#stopping = { abort, done };
    try {
      await run;
    } finally {
      if (this.#stopping?.abort === abort) this.#stopping = undefined;
    }
  }

  /** Kills a graceful stop in flight (its process group); resolves once it ended. */
  async cutStop(reason: Error): Promise<void> {
    const stopping = this.#stopping;
    stopping?.abort.abort(reason);
    await stopping?.done;
  }

  /** `compose kill`, then `down -t 0` with removeOnStop. */
  async force(): Promise<void> {
    const call = { timeoutMs: 2 * this.#config.engineTimeoutMs };
    try {
      await this.#cli.kill(call);
    } catch (error) {
      if (isGamewardError(error) && error.code !== 'ERR_COMPOSE') throw error;
      // compose kill fails when nothing runs any more: what counts is that nothing does.
      await this.#watch.sync().catch(() => undefined);
      if (this.#watch.table.anyLive()) throw error;
    }
    if (this.#config.removeOnStop) await this.#cli.down(0, call);
  }

  /** Takes down what a failed launch began (`stop -t 0`, or `down -t 0`); never throws. */
  async cleanUp(): Promise<void> {
    const call = { timeoutMs: 2 * this.#config.engineTimeoutMs };
    const run = this.#config.removeOnStop ? this.#cli.down(0, call) : this.#cli.stop(0, call);
    await run.catch((error: unknown) => {
      this.#logger.warn({ instanceId: this.#config.id, err: error }, 'cleanup after failed start');
    });
    await this.#watch.sync().catch(() => undefined);
  }
}

/**
 * Podman 4.3 fails a network create with `route ip+net: no such network interface` when another
 * interface goes away while it lists them (another stack's network torn down at that moment): a
 * race in the engine, not a fault of the stack. `compose up` is idempotent, so it is run again
 * once. docs/podman.md lists it.
 */
function isInterfaceRace(error: unknown): boolean {
  return (
    isGamewardError(error, 'ERR_COMPOSE') &&
    /route ip\+net: no such network interface/.test(error.stderr ?? '')
  );
}
