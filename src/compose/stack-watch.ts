import type { Logger } from '../logger.js';
import type { OutputLine } from '../supervisor.js';
import type { ComposeCli } from './compose-cli.js';
import { ContainerTable, type TableChange } from './container-table.js';
import { EngineEvents } from './engine-events.js';
import { LogFollowers } from './logs.js';
import type { NormalizedComposeConfig } from './options.js';
import { takeSnapshot } from './reconcile.js';

/** Options of {@link StackWatch}. */
export interface StackWatchInit {
  readonly config: NormalizedComposeConfig;
  readonly cli: ComposeCli;
  readonly logger: Logger;
  readonly publish: (line: OutputLine) => void;
  /** An event changed a container. */
  readonly onChange: (change: TableChange) => void;
  /** A snapshot taken after the events stream came back (engine restart) was merged. */
  readonly onResync: () => void;
}

/**
 * What gameward knows of a stack while it watches it: the container table, fed by the events
 * stream (opened first) and by snapshots; and the log followers. Closed, it holds no process and
 * forgets the table: a stopped stack costs nothing.
 */
export class StackWatch {
  readonly table = new ContainerTable();
  readonly logs: LogFollowers;
  readonly #init: StackWatchInit;
  readonly #env: Readonly<Record<string, string | undefined>>;
  #events: EngineEvents | undefined;
  #resyncing: Promise<void> | undefined;
  // A reconnect asked the resync to follow the running containers again.
  #refollow = false;

  constructor(init: StackWatchInit) {
    this.#init = init;
    const { config } = init;
    this.#env = { ...process.env, ...config.env };
    this.logs = new LogFollowers({
      instanceId: config.id,
      docker: config.docker,
      cwd: config.cwd,
      env: this.#env,
      logger: init.logger,
      publish: (line) => this.#guard('output line', () => init.publish(line)),
    });
  }

  get active(): boolean {
    return this.#events !== undefined;
  }

  /** Pids of the children the watch holds (the events stream and the log followers). */
  get pids(): number[] {
    const events = this.#events?.pid;
    return [...(events === undefined ? [] : [events]), ...this.logs.pids];
  }

  /** Opens the events stream (replaying from `sinceMs`), unless it is open. */
  open(sinceMs: number): void {
    if (this.#events !== undefined) return;
    const { config, logger } = this.#init;
    this.#events = new EngineEvents(
      {
        instanceId: config.id,
        docker: config.docker,
        cwd: config.cwd,
        env: this.#env,
        projectName: config.projectName,
        logger,
        onEvent: (event) => {
          const change = this.table.apply(event);
          if (change !== undefined) this.#guard('engine event', () => this.#init.onChange(change));
        },
        onReconnect: () => this.resync(true),
      },
      sinceMs,
    );
  }

  /** Takes a snapshot and merges it into the table (ignored if the watch closed meanwhile). */
  async snapshot(): Promise<void> {
    const events = this.#events;
    const mark = this.table.mark();
    const containers = await takeSnapshot(this.#init.cli);
    if (events !== undefined && events !== this.#events) return;
    this.table.merge(containers, mark);
  }

  /**
   * A background snapshot (single flight); failures are logged, the stream retries anyway.
   * `follow`: after the stream was lost, so were the followers (an engine restart ends them).
   */
  resync(follow = false): void {
    this.#refollow ||= follow;
    if (this.#resyncing !== undefined || this.#events === undefined) return;
    this.#resyncing = this.snapshot()
      .then(() => {
        if (this.#events === undefined) return;
        if (this.#refollow) this.followRunning();
        this.#refollow = false;
        this.#init.onResync();
      })
      .catch((error: unknown) => {
        this.#init.logger.warn({ instanceId: this.#init.config.id, err: error }, 'resync failed');
      })
      .finally(() => {
        this.#resyncing = undefined;
      });
  }

  /**
   * Follows the output of every running container of the selected services that has no follower,
   * from `sinceMs` (default: its whole current run).
   */
  followRunning(sinceMs = 0): void {
    if (this.#events === undefined) return;
    for (const c of this.table.selected(this.#init.config.services)) {
      // Never before the end of its previous run (delivered already); not from its StartedAt,
      // which a first line can precede.
      if (c.status === 'running') this.logs.follow(c, Math.max(sinceMs, c.finishedAt ?? 0));
    }
  }

  /** Ends the stream and the followers, forgets the table; resolves once no child is left. */
  async close(): Promise<void> {
    const events = this.#events;
    this.#events = undefined;
    this.#refollow = false;
    this.table.clear();
    // A resync still in flight finds the watch closed and drops its result.
    await Promise.all([events?.close(), this.logs.stopAll()]);
  }

  /** Closes for good: no follower can start afterwards. */
  async dispose(): Promise<void> {
    await this.close();
    await this.logs.close();
  }

  // These run in stream callbacks: a throw would be an uncaught exception in the host.
  #guard(what: string, run: () => void): void {
    try {
      run();
    } catch (error) {
      this.#init.logger.error({ instanceId: this.#init.config.id, err: error }, `${what} failed`);
    }
  }
}
