import type { Logger } from '../logger.js';
import type { OutputLine } from '../supervisor.js';
import { type LineChild, spawnLineChild } from './line-child.js';

/** Options of {@link LogFollowers}. */
export interface LogFollowersInit {
  readonly instanceId: string;
  readonly docker: string;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly logger: Logger;
  readonly publish: (line: OutputLine) => void;
}

// How long a retired follower gets to deliver the last lines of its run (for the crash event).
const LAST_LINES_WAIT_MS = 1000;

/**
 * The console of a stack: one `docker logs -f` per running container of the selected services,
 * each started with `--since` the container's start so a line printed at once is never missed.
 * `docker logs` keeps stdout and stderr apart (compose's merged `logs -f` cannot), and ends by
 * itself when its container stops; a restarted container gets a new follower for its new run.
 */
export class LogFollowers {
  readonly #init: LogFollowersInit;
  // The follower of each container's current run.
  readonly #current = new Map<string, LineChild>();
  // Every follower still alive, retired ones included.
  readonly #live = new Set<LineChild>();
  #closed = false;

  constructor(init: LogFollowersInit) {
    this.#init = init;
  }

  /** Pids of the running followers. */
  get pids(): number[] {
    return [...this.#live].flatMap((c) => (c.pid === undefined ? [] : [c.pid]));
  }

  /** Follows a container's output from `sinceMs` on, unless its current run is followed. */
  follow(container: { readonly id: string; readonly service: string }, sinceMs: number): void {
    if (this.#closed || this.#current.has(container.id)) return;
    const { service } = container;
    const child = spawnLineChild({
      file: this.#init.docker,
      args: ['logs', '--follow', '--since', (sinceMs / 1000).toFixed(6), container.id],
      cwd: this.#init.cwd,
      env: this.#init.env,
      onLine: (text, stream) => this.#init.publish({ stream, text, time: Date.now(), service }),
      onExit: (exit) => {
        this.#live.delete(child);
        if (this.#current.get(container.id) === child) this.#current.delete(container.id);
        if (!exit.stopped && exit.exitCode !== 0) {
          this.#init.logger.debug(
            { instanceId: this.#init.instanceId, container: container.id, ...exit },
            'docker logs ended',
          );
        }
      },
    });
    this.#current.set(container.id, child);
    this.#live.add(child);
  }

  /**
   * The container's run ended: its follower finishes by itself, and the next run gets a new one
   * (even if this one has not exited yet). Resolves once it delivered its last line, or after 1 s.
   */
  retire(id: string): Promise<void> {
    const child = this.#current.get(id);
    if (child === undefined) return Promise.resolve();
    this.#current.delete(id);
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, LAST_LINES_WAIT_MS);
      child.exited.then(() => {
        clearTimeout(timer);
        resolve();
      }, resolve);
    });
  }

  /** Stops every follower (more may be started later). */
  async stopAll(): Promise<void> {
    const children = [...this.#live];
    this.#current.clear();
    await Promise.all(children.map((c) => c.stop()));
  }

  /** Stops every follower for good. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.stopAll();
  }
}
