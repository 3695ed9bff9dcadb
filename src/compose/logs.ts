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

/**
 * The console of a stack: one `docker logs -f` per running container of the selected services,
 * each started with `--since` the container's start so a line printed at once is never missed.
 * `docker logs` keeps stdout and stderr apart (compose's merged `logs -f` cannot), and ends by
 * itself when its container stops; a restarted container gets a new follower on its `start`.
 */
export class LogFollowers {
  readonly #init: LogFollowersInit;
  readonly #followers = new Map<string, LineChild>();
  #closed = false;

  constructor(init: LogFollowersInit) {
    this.#init = init;
  }

  /** Pids of the running followers. */
  get pids(): number[] {
    return [...this.#followers.values()].flatMap((c) => (c.pid === undefined ? [] : [c.pid]));
  }

  /** Follows a container's output from `sinceMs` on, unless it is followed already. */
  follow(container: { readonly id: string; readonly service: string }, sinceMs: number): void {
    if (this.#closed || this.#followers.has(container.id)) return;
    const { service } = container;
    const child = spawnLineChild({
      file: this.#init.docker,
      args: ['logs', '--follow', '--since', (sinceMs / 1000).toFixed(6), container.id],
      cwd: this.#init.cwd,
      env: this.#init.env,
      onLine: (text, stream) => this.#init.publish({ stream, text, time: Date.now(), service }),
      onExit: (exit) => {
        if (this.#followers.get(container.id) === child) this.#followers.delete(container.id);
        if (!exit.stopped && exit.exitCode !== 0) {
          this.#init.logger.debug(
            { instanceId: this.#init.instanceId, container: container.id, ...exit },
            'docker logs ended',
          );
        }
      },
    });
    this.#followers.set(container.id, child);
  }

  /** Resolves once the follower of `id` delivered its last line (or after `timeoutMs`). */
  drained(id: string, timeoutMs: number): Promise<void> {
    const child = this.#followers.get(id);
    if (child === undefined) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      child.exited.then(() => {
        clearTimeout(timer);
        resolve();
      }, resolve);
    });
  }

  /** Stops every follower (more may be started later). */
  async stopAll(): Promise<void> {
    const children = [...this.#followers.values()];
    this.#followers.clear();
    await Promise.all(children.map((c) => c.stop()));
  }

  /** Stops every follower for good. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.stopAll();
  }
}
