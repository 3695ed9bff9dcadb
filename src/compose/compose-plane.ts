import type { Observation, Plane, PlaneReport } from '../core/plane.js';
import { parseEngineAddress } from '../engine/address.js';
import type { Engine } from '../engine/registry.js';
import { sampleContainers } from '../engine/stats.js';
import { GamewardError, isGamewardError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { LinkStatus } from '../remote/ssh-link.js';
import type { ResourceStats } from '../supervisor.js';
import { abortError } from '../util/abort.js';
import { ComposeCli } from './compose-cli.js';
import type { ContainerInfo } from './container-table.js';
import { engineFailure } from './failure.js';
import type { NormalizedComposeConfig } from './options.js';
import { type ComposeSite, localSite } from './site.js';
import { StackCommands } from './stack-commands.js';
import { StackFacts } from './stack-facts.js';
import { missingServices, observationOf } from './stack-view.js';
import { StackWatch } from './stack-watch.js';

const silent: PlaneReport = { line() {}, ready() {}, exited() {}, revived() {}, link() {} };

/**
 * A docker-compose stack as a {@link Plane}. It observes through the Engine API (the engine's one
 * shared events stream, list and inspect calls, log streams: no process held per stack) and acts
 * through the compose CLI (`up -d`, `stop`, `down`, `kill`), each command bounded, cancellable
 * and limited host-wide. It reports facts only (see {@link StackFacts}). See docs/compose.md.
 */
export class ComposePlane implements Plane {
  readonly kind = 'compose' as const;
  readonly consoleInput = false;
  readonly #config: NormalizedComposeConfig;
  /** Where the stack lives: this machine, or a remote host over SSH. */
  readonly site: ComposeSite;
  readonly #engine: Engine;
  readonly #watch: StackWatch;
  readonly #facts: StackFacts;
  readonly #commands: StackCommands;
  #report: PlaneReport = silent;
  #launch: { abort: AbortController; done: Promise<void>; since: number } | undefined;
  #halting = 0;
  // Ends the samples in flight on release.
  readonly #released = new AbortController();

  constructor(
    config: NormalizedComposeConfig,
    logger: Logger,
    site: ComposeSite = localSite(config),
  ) {
    this.#config = config;
    this.site = site;
    this.#engine = site.engine;
    this.#watch = new StackWatch({
      config,
      engine: this.#engine,
      logger,
      publish: (line) => this.#report.line(line),
      facts: {
        change: (change) => this.#facts.onChange(change),
        resynced: (listed) => this.#facts.onResync(listed),
        lost: () => this.#facts.onLost(),
      },
    });
    this.#facts = new StackFacts({
      config,
      watch: this.#watch,
      logger,
      report: () => this.#report,
      launchSince: () => this.#launch?.since,
      halting: () => this.#halting > 0,
    });
    const cli = new ComposeCli(config, site.runner, () => this.#ping());
    site.onLink?.((status) => this.#report.link(status));
    this.#commands = new StackCommands(config, cli, this.#watch, logger);
  }

  /** The connection to the stack's remote host (`host`); undefined for a local stack. */
  get link(): LinkStatus | undefined {
    return this.site.link;
  }

  /** Something of the stack may run: a launch in flight, or a live container of the project. */
  get active(): boolean {
    return this.#launch !== undefined || this.#watch.table.anyLive();
  }

  connect(report: PlaneReport): void {
    this.#report = report;
  }

  async observe(signal: AbortSignal): Promise<Observation> {
    this.#watch.open();
    try {
      await this.#watch.ready(signal);
      await this.#watch.sync(signal);
      // Start times (uptime, `since`) only an inspect knows: of the running selected containers.
      const running = this.#selected().filter((c) => c.status === 'running');
      if (running.length > 0) await this.#watch.inspect(running, signal);
    } catch (error) {
      this.#closeIfIdle();
      throw engineFailure(error, this.#config.id, signal);
    }
    const found = observationOf(this.#watch.table, this.#config.services);
    this.#facts.adopt(found);
    for (const c of this.#selected()) {
      if (c.status === 'running') {
        this.#watch.logs.follow(c, c.finishedAt ?? 0, this.#config.outputBufferLines);
      }
    }
    if (found.kind === 'starting') this.#facts.evaluate();
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
    this.#facts.beginLaunch();
    const engine = (e: unknown): never => {
      throw engineFailure(e, this.#config.id, joined);
    };
    try {
      this.#watch.open();
      await this.#watch.ready(joined).catch(engine);
      await this.#commands.up(joined).catch((error: unknown) => this.#upFailed(error, joined));
      await this.#watch.sync(joined).catch(engine);
      await this.#checkServices(joined);
      for (const c of this.#selected()) {
        if (c.status === 'running') this.#watch.logs.follow(c, Math.max(c.finishedAt ?? 0, since));
      }
    } catch (error) {
      this.#launch = undefined;
      // A launch that began nothing holds nothing; one cut short is the halt's to bring down.
      if (!signal.aborted) this.#closeIfIdle();
      throw error;
    } finally {
      this.#launch = undefined;
      finish();
    }
    this.#facts.evaluate();
  }

  async halt(force: boolean, signal?: AbortSignal): Promise<void> {
    this.#halting += 1;
    try {
      if (force) {
        // kill wins: what is in flight is cut short first (its process group killed).
        const killed = this.#error('ERR_KILLED', 'was killed');
        this.#launch?.abort.abort(killed);
        await Promise.all([this.#launch?.done, this.#commands.cutStop(killed)]);
        await this.#commands.force();
      } else {
        await this.#commands.stop(signal);
      }
      await this.#watch.sync().catch((e: unknown) => {
        throw engineFailure(e, this.#config.id);
      });
      if (this.#watch.table.anyLive()) {
        throw this.#error('ERR_STOP_FAILED', 'still has running containers after the stop');
      }
      this.#facts.run = 'none';
      this.#watch.close();
    } finally {
      this.#halting -= 1;
    }
  }

  send(): Promise<void> {
    const why = 'is a compose stack: its services have no console input';
    return Promise.reject(this.#error('ERR_UNSUPPORTED', why));
  }

  async sample(): Promise<ResourceStats> {
    const running = this.#watch.table.all().filter((c) => c.status === 'running');
    try {
      // The engine measures over about a second: the bound allows for it.
      return await sampleContainers(
        this.#engine.client,
        running.map((c) => c.id),
        { signal: this.#released.signal, timeoutMs: this.#config.engineTimeoutMs + 2000 },
        this.#engine.hub.flavor,
      );
    } catch (error) {
      throw engineFailure(error, this.#config.id, this.#released.signal);
    }
  }

  async release(): Promise<void> {
    const disposed = this.#error('ERR_DISPOSED', 'has been disposed');
    this.#released.abort(disposed);
    this.#launch?.abort.abort(disposed);
    await Promise.all([this.#launch?.done, this.#commands.cutStop(disposed)]);
    this.#watch.close();
    await this.site.release();
  }

  /** A failed `up`: take down what it began (unless the engine or compose is missing), rethrow. */
  async #upFailed(error: unknown, signal: AbortSignal): Promise<never> {
    if (signal.aborted) throw abortError(signal, this.#config.id);
    if (isGamewardError(error, 'ERR_COMPOSE')) await this.#cleanUp();
    throw error;
  }

  /** After `up`: a selected service without a container died while starting, or never existed. */
  async #checkServices(signal: AbortSignal): Promise<void> {
    const missing = missingServices(this.#selected(), this.#config.services);
    if (missing.length === 0 || this.#facts.run !== 'starting') return;
    const unseen = missing.filter((s) => !this.#facts.seen(s));
    if (unseen.length > 0) {
      const defined = await this.#commands.services(signal);
      const ghosts = unseen.filter((s) => !defined.includes(s));
      if (ghosts.length > 0) {
        await this.#cleanUp();
        throw this.#error(
          'ERR_INVALID_CONFIG',
          `expected \`services\` to name services of the stack, got ${JSON.stringify(ghosts)} (the compose files define ${JSON.stringify(defined)})`,
        );
      }
    }
    // Its container came and went before the list: a death while starting (issue 11 #5).
    this.#facts.exited({ service: missing[0] });
  }

  /** Nothing half-started is left behind after a failed launch (its deaths are no facts). */
  async #cleanUp(): Promise<void> {
    this.#facts.run = 'none';
    await this.#commands.cleanUp();
  }

  /** Holds nothing while nothing of the stack runs and nothing is under way. */
  #closeIfIdle(): void {
    if (this.#launch !== undefined || this.#halting > 0 || this.#watch.table.anyLive()) return;
    if (this.#facts.run === 'starting' || this.#facts.run === 'up') return;
    this.#watch.close();
  }

  async #ping(): Promise<boolean> {
    const call = { timeoutMs: this.#config.engineTimeoutMs };
    return this.#engine.client.json('GET', '/_ping', {}, call).then(
      () => true,
      () => false,
    );
  }

  #selected(): ContainerInfo[] {
    return this.#watch.table.selected(this.#config.services);
  }

  #error(code: GamewardError['code'], message: string): GamewardError {
    return new GamewardError(code, message, { instanceId: this.#config.id });
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
