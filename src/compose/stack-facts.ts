import type { ExitFact, Observation, PlaneReport } from '../core/plane.js';
import type { ListedContainer } from '../engine/containers.js';
import type { Logger } from '../logger.js';
import type { ContainerInfo, TableChange } from './container-table.js';
import type { NormalizedComposeConfig } from './options.js';
import { needsHealthcheck, viewStack } from './stack-view.js';
import type { StackWatch } from './stack-watch.js';

/** Where the current run is, as far as facts go: what the next event means. */
export type Run = 'none' | 'starting' | 'up' | 'ended';

/** What the facts need from their plane. */
export interface FactsHost {
  readonly config: NormalizedComposeConfig;
  readonly watch: StackWatch;
  readonly logger: Logger;
  report(): PlaneReport;
  /** When the launch in flight began (ms since the epoch), undefined when none is. */
  launchSince(): number | undefined;
  /** True while a halt is under way. */
  halting(): boolean;
}

/**
 * Turns what the watch sees into the plane's facts, once each per run: ready when every selected
 * container is up, exited when one dies (or was found dead after a reconnect), revived when one
 * comes back after its run ended. It never decides a state: the core does.
 */
export class StackFacts {
  run: Run = 'none';
  readonly #host: FactsHost;
  // Selected services that had an event during the launch: a missing one died, it was no typo.
  readonly #seen = new Set<string>();
  #lostAt: number | undefined;
  #syncing: Promise<void> | undefined;

  constructor(host: FactsHost) {
    this.#host = host;
  }

  /** A launch begins a run. */
  beginLaunch(): void {
    this.run = 'starting';
    this.#seen.clear();
  }

  /** True when `service` had an event during this launch. */
  seen(service: string): boolean {
    return this.#seen.has(service);
  }

  /** What an observation found is where the run is (unless a launch or a halt owns it). */
  adopt(found: Observation): void {
    if (this.#host.launchSince() !== undefined || this.#host.halting()) return;
    if (found.kind === 'running') this.run = 'up';
    else if (found.kind === 'starting') this.run = 'starting';
    else this.run = found.kind === 'exited' ? 'ended' : 'none';
  }

  onChange(change: TableChange): void {
    const c = change.container;
    if (c === undefined || !this.#isSelected(c)) return;
    const launchSince = this.#host.launchSince();
    if (launchSince !== undefined) this.#seen.add(c.service);
    if (change.kind === 'die') {
      // A death from before this launch is the previous run's (podman delivers `die` 100-250 ms
      // late: a restart's stop can be heard after its start began).
      if (launchSince !== undefined && c.finishedAt !== undefined && c.finishedAt < launchSince) {
        return;
      }
      const drained = this.#lastLines(c);
      this.exited({ exitCode: c.exitCode, service: c.service, drained });
      return;
    }
    if (change.kind === 'start') {
      // Started again without a death seen in between: the death was missed, not invented.
      if (change.missedDeath) this.exited({ service: c.service });
      // A line can precede the start event: read from the end of the previous run.
      this.#host.watch.logs.follow(c, c.finishedAt ?? launchSince ?? 0);
      this.revived();
    }
    this.evaluate();
  }

  /**
   * The last lines of a container's run, for the crash event: its follower's, or, when the
   * stream was lost with the connection (a remote host's link, an engine restart), the lines
   * printed since the loss, read now (the engine keeps a dead container's logs).
   */
  #lastLines(c: ContainerInfo): Promise<void> {
    const logs = this.#host.watch.logs;
    const lostAt = this.#lostAt;
    if (lostAt !== undefined && !logs.following(c.id)) logs.follow(c, lostAt);
    return logs.retire(c.id);
  }

  onLost(): void {
    this.#lostAt = Date.now();
  }

  /** After a reconnect: what the list (and inspect) shows decides the facts missed meanwhile. */
  onResync(listed: readonly ListedContainer[]): void {
    void this.#checkRestarts(listed).finally(() => {
      const { watch, config } = this.#host;
      const view = viewStack(watch.table, config.services);
      if (view.kind === 'down' || view.kind === 'absent') {
        // Not after a replayed `die` event: that one took the lines already.
        const live = this.run === 'starting' || this.run === 'up';
        const died = live ? this.#selected().filter((c) => c.status !== 'running') : [];
        const drained = Promise.all(died.map((c) => this.#lastLines(c))).then(() => undefined);
        const exit = view.kind === 'down' ? { exitCode: view.exitCode, service: view.service } : {};
        this.exited({ ...exit, drained });
      } else {
        this.revived();
      }
      const since = this.#lostAt ?? 0;
      for (const c of this.#selected()) {
        if (c.status === 'running') watch.logs.follow(c, Math.max(since, c.finishedAt ?? 0));
      }
      // Caught up: a later follower's end is no loss.
      this.#lostAt = undefined;
      this.evaluate();
    });
  }

  exited(exit: ExitFact): void {
    if (this.run !== 'starting' && this.run !== 'up') return;
    this.run = 'ended';
    this.#host.report().exited(exit);
  }

  revived(): void {
    if (this.run !== 'ended' || this.#host.launchSince() !== undefined || this.#host.halting()) {
      return;
    }
    this.run = 'starting';
    this.#host.report().revived();
  }

  /** Reports ready once every selected container is up; learns unknown healthchecks first. */
  evaluate(): void {
    if (this.run !== 'starting' || this.#host.launchSince() !== undefined) return;
    const { watch, config, logger } = this.#host;
    if (viewStack(watch.table, config.services).kind === 'up') {
      this.run = 'up';
      this.#host.report().ready();
      return;
    }
    // A container started since the last list: only a list tells whether it has a healthcheck.
    if (this.#syncing !== undefined || !this.#selected().some(needsHealthcheck)) return;
    this.#syncing = watch
      .sync()
      .catch((error: unknown) => logger.warn({ instanceId: config.id, err: error }, 'list failed'))
      .finally(() => {
        this.#syncing = undefined;
        if (!this.#selected().some(needsHealthcheck)) this.evaluate();
      });
  }

  /**
   * A selected container that runs now but started after the stream was lost died meanwhile
   * (an engine restart brought it back under a restart policy): report that death first.
   */
  async #checkRestarts(listed: readonly ListedContainer[]): Promise<void> {
    if (this.run !== 'up' && this.run !== 'starting') return;
    // Up for longer than the stream was lost: it cannot have restarted meanwhile. Only the
    // others are inspected, so a reconnect of many stacks costs one list, not an inspect each.
    const lostFor = Date.now() - (this.#lostAt ?? 0) + 1000;
    const longUp = new Set(
      listed.filter((l) => l.upForMs !== undefined && l.upForMs >= lostFor).map((l) => l.id),
    );
    const running = this.#selected().filter((c) => c.status === 'running' && !longUp.has(c.id));
    if (running.length === 0) return;
    const before = new Map(running.map((c) => [c.id, c.startedAt]));
    const infos = await this.#host.watch.inspect(running).catch(() => []);
    const restarted = infos.find((i) => {
      const was = before.get(i.id);
      return was !== undefined && i.startedAt !== undefined && i.startedAt > was;
    });
    if (restarted !== undefined) this.exited({ service: restarted.service });
  }

  #selected(): ContainerInfo[] {
    return this.#host.watch.table.selected(this.#host.config.services);
  }

  #isSelected(c: ContainerInfo): boolean {
    const { services } = this.#host.config;
    return services === undefined || services.includes(c.service);
  }
}
