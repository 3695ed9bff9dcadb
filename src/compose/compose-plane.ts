import { DEFAULT_READINESS_TIMEOUT_MS } from '../console/readiness.js';
import type { ExitFact, Observation, Plane, PlaneReport } from '../core/plane.js';
import { parseEngineAddress } from '../engine/address.js';
import { type Engine, engineFor } from '../engine/registry.js';
import { sampleContainers } from '../engine/stats.js';
import { GamewardError, isGamewardError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ResourceStats } from '../supervisor.js';
import { abortError } from '../util/abort.js';
import { ComposeCli } from './compose-cli.js';
import type { ContainerInfo, TableChange } from './container-table.js';
import { engineFailure } from './failure.js';
import type { NormalizedComposeConfig } from './options.js';
import { missingServices, needsHealthcheck, observationOf, viewStack } from './stack-view.js';
import { StackWatch } from './stack-watch.js';

/** Where the current run is, as far as facts go: what the next event means. */
type Run = 'none' | 'starting' | 'up' | 'ended';

const silent: PlaneReport = { line() {}, ready() {}, exited() {}, revived() {} };

/**
 * A docker-compose stack as a {@link Plane}. It observes through the Engine API (the engine's one
 * shared events stream, list and inspect calls, log streams: no process held per stack) and acts
 * through the compose CLI (`up -d`, `stop`, `down`, `kill`), each command bounded, cancellable
 * and limited host-wide. It reports facts only: ready when every selected container runs (healthy
 * where it has a healthcheck), exited when one dies, revived when a restart policy brings it back,
 * and the selected services' console lines. See docs/compose.md.
 */
export class ComposePlane implements Plane {
  readonly kind = 'compose' as const;
  readonly consoleInput = false;
  readonly #config: NormalizedComposeConfig;
  readonly #logger: Logger;
  readonly #engine: Engine;
  readonly #cli: ComposeCli;
  readonly #watch: StackWatch;
  #report: PlaneReport = silent;
  #run: Run = 'none';
  #launch: { abort: AbortController; done: Promise<void>; since: number } | undefined;
  #stopping: { abort: AbortController; done: Promise<void> } | undefined;
  #halting = 0;
  // Selected services that had an event during the launch: a missing one died, it was not a typo.
  readonly #seen = new Set<string>();
  #lostAt: number | undefined;
  #syncing: Promise<void> | undefined;
  // Ends the samples in flight on release.
  readonly #released = new AbortController();

  constructor(config: NormalizedComposeConfig, logger: Logger) {
    this.#config = config;
    this.#logger = logger;
    const env = { ...process.env, ...config.env };
    this.#engine = engineFor(env);
    this.#cli = new ComposeCli(config, env, () => this.#ping());
    this.#watch = new StackWatch({
      config,
      engine: this.#engine,
      logger,
      publish: (line) => this.#report.line(line),
      facts: {
        change: (change) => this.#onChange(change),
        resynced: () => this.#onResync(),
        lost: () => {
          this.#lostAt = Date.now();
        },
      },
    });
  }

  /** Something of the stack may run: a launch in flight, or a live container of the project. */
  get active(): boolean {
    return this.#launch !== undefined || this.#watch.table.anyLive();
  }

  /** Log streams open now (sockets, not processes). */
  get streams(): number {
    return this.#watch.logs.size;
  }

  connect(report: PlaneReport): void {
    this.#report = report;
  }

  async observe(signal: AbortSignal): Promise<Observation> {
    this.#watch.open();
    try {
      await this.#watch.ready(signal);
      await this.#watch.sync(signal);
      const up = this.#selected().filter((c) => c.status === 'running');
      if (viewStack(this.#watch.table, this.#config.services).kind !== 'absent') {
        await this.#watch.inspect(up, signal);
      }
    } catch (error) {
      this.#closeIfIdle();
      throw engineFailure(error, this.#config.id, signal);
    }
    const found = observationOf(this.#watch.table, this.#config.services);
    if (this.#launch === undefined && this.#halting === 0) {
      if (found.kind === 'running') this.#run = 'up';
      else if (found.kind === 'starting') this.#run = 'starting';
      else this.#run = found.kind === 'exited' ? 'ended' : 'none';
    }
    for (const c of this.#selected()) {
      if (c.status === 'running') {
        this.#watch.logs.follow(c, c.finishedAt ?? 0, this.#config.outputBufferLines);
      }
    }
    if (found.kind === 'starting') this.#evaluate();
    this.#closeIfIdle();
    return found;
  }

  async launch(signal: AbortSignal): Promise<void> {
    const abort = new AbortController();
    const joined = AbortSignal.any([signal, abort.signal]);
    let finish = (): void => {};
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const since = Date.now();
    this.#launch = { abort, done, since };
    this.#run = 'starting';
    this.#seen.clear();
    try {
      this.#watch.open();
      await this.#watch.ready(joined).catch((e: unknown) => {
        throw engineFailure(e, this.#config.id, joined);
      });
      const startTimeoutMs = this.#config.readiness?.timeoutMs ?? DEFAULT_READINESS_TIMEOUT_MS;
      await this.#cli
        .up({ signal: joined, timeoutMs: startTimeoutMs + this.#config.engineTimeoutMs })
        .catch((error: unknown) => this.#upFailed(error, joined));
      await this.#watch.sync(joined).catch((e: unknown) => {
        throw engineFailure(e, this.#config.id, joined);
      });
      await this.#checkServices(joined);
      for (const c of this.#selected()) {
        if (c.status === 'running') this.#watch.logs.follow(c, Math.max(c.finishedAt ?? 0, since));
      }
    } finally {
      this.#launch = undefined;
      finish();
    }
    this.#evaluate();
  }

  async halt(force: boolean, signal?: AbortSignal): Promise<void> {
    this.#halting += 1;
    try {
      if (force) {
        // kill wins: what is in flight is cut short first (its process group killed).
        const killed = new GamewardError('ERR_KILLED', 'was killed', {
          instanceId: this.#config.id,
        });
        this.#launch?.abort.abort(killed);
        this.#stopping?.abort.abort(killed);
        await Promise.all([this.#launch?.done, this.#stopping?.done]);
        await this.#forceDown();
      } else {
        await this.#stopGracefully(signal);
      }
      await this.#watch.sync().catch((e: unknown) => {
        throw engineFailure(e, this.#config.id);
      });
      if (this.#watch.table.anyLive()) {
        throw new GamewardError('ERR_STOP_FAILED', 'still has running containers after the stop', {
          instanceId: this.#config.id,
        });
      }
      this.#run = 'none';
      this.#watch.close();
    } finally {
      this.#halting -= 1;
    }
  }

  send(): Promise<void> {
    return Promise.reject(
      new GamewardError(
        'ERR_UNSUPPORTED',
        'is a compose stack: its services have no console input',
        {
          instanceId: this.#config.id,
        },
      ),
    );
  }

  async sample(): Promise<ResourceStats> {
    const ids = this.#watch.table
      .all()
      .filter((c) => c.status === 'running')
      .map((c) => c.id);
    try {
      // The engine measures over about a second: the bound allows for it.
      return await sampleContainers(this.#engine.client, ids, {
        signal: this.#released.signal,
        timeoutMs: this.#config.engineTimeoutMs + 2000,
      });
    } catch (error) {
      throw engineFailure(error, this.#config.id, this.#released.signal);
    }
  }

  async release(): Promise<void> {
    const disposed = new GamewardError('ERR_DISPOSED', 'has been disposed', {
      instanceId: this.#config.id,
    });
    this.#released.abort(disposed);
    this.#launch?.abort.abort(disposed);
    this.#stopping?.abort.abort(disposed);
    await Promise.all([this.#launch?.done, this.#stopping?.done]);
    this.#watch.close();
  }

  // ---- facts ----------------------------------------------------------------------------------

  #onChange(change: TableChange): void {
    const c = change.container;
    if (c === undefined || !this.#isSelected(c)) return;
    if (this.#launch !== undefined) this.#seen.add(c.service);
    if (change.kind === 'die') {
      const drained = this.#watch.logs.retire(c.id);
      this.#exited({ exitCode: c.exitCode, service: c.service, drained });
      return;
    }
    if (change.kind === 'start') {
      // Started again without a death seen in between: the death was missed, not invented.
      if (change.missedDeath) this.#exited({ service: c.service });
      // A line can precede the start event: read from the end of the previous run.
      this.#watch.logs.follow(c, c.finishedAt ?? this.#launch?.since ?? 0);
      this.#revived();
    }
    this.#evaluate();
  }

  /** After a reconnect: what the list shows decides the facts missed meanwhile. */
  #onResync(): void {
    void this.#checkRestarts().finally(() => {
      const view = viewStack(this.#watch.table, this.#config.services);
      if (view.kind === 'down' || view.kind === 'absent') {
        const exit = view.kind === 'down' ? { exitCode: view.exitCode, service: view.service } : {};
        this.#exited(exit);
      } else {
        this.#revived();
      }
      const since = this.#lostAt ?? 0;
      for (const c of this.#selected()) {
        if (c.status === 'running') this.#watch.logs.follow(c, Math.max(since, c.finishedAt ?? 0));
      }
      this.#evaluate();
    });
  }

  /**
   * A selected container that runs now but started after the stream was lost died meanwhile
   * (an engine restart brought it back under a restart policy): report that death first.
   */
  async #checkRestarts(): Promise<void> {
    if (this.#run !== 'up' && this.#run !== 'starting') return;
    const running = this.#selected().filter((c) => c.status === 'running');
    const before = new Map(running.map((c) => [c.id, c.startedAt]));
    const infos = await this.#watch.inspect(running).catch(() => []);
    const restarted = infos.find((i) => {
      const was = before.get(i.id);
      return was !== undefined && i.startedAt !== undefined && i.startedAt > was;
    });
    if (restarted !== undefined) this.#exited({ service: restarted.service });
  }

  #exited(exit: ExitFact): void {
    if (this.#run !== 'starting' && this.#run !== 'up') return;
    this.#run = 'ended';
    this.#report.exited(exit);
  }

  #revived(): void {
    if (this.#run !== 'ended' || this.#launch !== undefined || this.#halting > 0) return;
    this.#run = 'starting';
    this.#report.revived();
  }

  /** Reports ready once every selected container is up; learns unknown healthchecks first. */
  #evaluate(): void {
    if (this.#run !== 'starting' || this.#launch !== undefined) return;
    const view = viewStack(this.#watch.table, this.#config.services);
    if (view.kind === 'up') {
      this.#run = 'up';
      this.#report.ready();
      return;
    }
    if (this.#syncing === undefined && this.#selected().some(needsHealthcheck)) {
      this.#syncing = this.#watch
        .sync()
        .catch((error: unknown) => {
          this.#logger.warn({ instanceId: this.#config.id, err: error }, 'list failed');
        })
        .finally(() => {
          this.#syncing = undefined;
          if (!this.#selected().some(needsHealthcheck)) this.#evaluate();
        });
    }
  }

  // ---- lifecycle helpers ----------------------------------------------------------------------

  /** A failed `up`: take down what it began (unless the engine or compose is missing), rethrow. */
  async #upFailed(error: unknown, signal: AbortSignal): Promise<never> {
    if (signal.aborted) throw abortError(signal, this.#config.id);
    const code = isGamewardError(error) ? error.code : undefined;
    if (code === 'ERR_COMPOSE' || code === 'ERR_STOP_FAILED') await this.#cleanUp();
    throw error;
  }

  /** After `up`: a selected service without a container died while starting, or never existed. */
  async #checkServices(signal: AbortSignal): Promise<void> {
    const missing = missingServices(this.#selected(), this.#config.services);
    if (missing.length === 0 || this.#run !== 'starting') return;
    const unseen = missing.filter((s) => !this.#seen.has(s));
    if (unseen.length > 0) {
      const defined = await this.#cli.services({
        signal,
        timeoutMs: this.#config.engineTimeoutMs * 2,
      });
      const ghosts = unseen.filter((s) => !defined.includes(s));
      if (ghosts.length > 0) {
        await this.#cleanUp();
        throw new GamewardError(
          'ERR_INVALID_CONFIG',
          `expected \`services\` to name services of the stack, got ${JSON.stringify(ghosts)} (the compose files define ${JSON.stringify(defined)})`,
          { instanceId: this.#config.id },
        );
      }
    }
    // Its container came and went before the list: a death while starting.
    this.#exited({ service: missing[0] });
  }

  async #stopGracefully(signal: AbortSignal | undefined): Promise<void> {
    const abort = new AbortController();
    const joined = signal === undefined ? abort.signal : AbortSignal.any([signal, abort.signal]);
    const seconds = Math.ceil(this.#config.stopTimeoutMs / 1000);
    // compose stops services in dependency order: allow two budgets, plus the engine's bound.
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

  /** `compose kill`, then `down` with removeOnStop. */
  async #forceDown(): Promise<void> {
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

  /** Nothing half-started is left behind after a failed launch (its deaths are no facts). */
  async #cleanUp(): Promise<void> {
    this.#run = 'none';
    const call = { timeoutMs: 2 * this.#config.engineTimeoutMs };
    const run = this.#config.removeOnStop ? this.#cli.down(0, call) : this.#cli.stop(0, call);
    await run.catch((error: unknown) => {
      this.#logger.warn({ instanceId: this.#config.id, err: error }, 'cleanup after failed start');
    });
    await this.#watch.sync().catch(() => undefined);
  }

  /** Holds nothing while nothing of the stack runs and nothing is under way. */
  #closeIfIdle(): void {
    if (this.#launch !== undefined || this.#halting > 0 || this.#watch.table.anyLive()) return;
    if (this.#run === 'starting' || this.#run === 'up') return;
    this.#watch.close();
  }

  async #ping(): Promise<boolean> {
    try {
      await this.#engine.client.json(
        'GET',
        '/_ping',
        {},
        { timeoutMs: this.#config.engineTimeoutMs },
      );
      return true;
    } catch {
      return false;
    }
  }

  #selected(): ContainerInfo[] {
    return this.#watch.table.selected(this.#config.services);
  }

  #isSelected(c: ContainerInfo): boolean {
    const { services } = this.#config;
    return services === undefined || services.includes(c.service);
  }
}

/** Checks an instance's DOCKER_HOST at construction (no I/O): a bad one is a config error. */
export function checkEngineAddress(config: NormalizedComposeConfig): void {
  try {
    parseEngineAddress({ ...process.env, ...config.env });
  } catch (error) {
    throw new GamewardError(
      'ERR_INVALID_CONFIG',
      `expected \`env.DOCKER_HOST\` to be unix://, tcp:// or ssh://, got ${JSON.stringify(config.env?.DOCKER_HOST)}: ${(error as Error).message}`,
      { instanceId: config.id },
    );
  }
}
