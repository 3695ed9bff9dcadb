import type { EngineClient } from '../engine/client.js';
import { type EngineFlavor, logOpenTimeout } from '../engine/flavor.js';
import { followLogs, type LogFollow } from '../engine/log-stream.js';
import type { Logger } from '../logger.js';
import type { OutputLine } from '../supervisor.js';

/** Options of {@link StackLogs}. */
export interface StackLogsInit {
  readonly instanceId: string;
  readonly client: EngineClient;
  readonly timeoutMs: number;
  /** The engine's flavor once known (podman's log streams open late: see logOpenTimeout). */
  readonly flavor: () => EngineFlavor | undefined;
  readonly logger: Logger;
  readonly publish: (line: OutputLine) => void;
}

// How long a retired follower gets to deliver the last lines of its run (for the crash event).
const LAST_LINES_WAIT_MS = 1000;

/**
 * The console of a stack: one API log stream per running container of the selected services
 * (no process: a socket each), started from the end of the container's previous run so a line
 * printed at once is never missed and an old run's lines are not replayed. The engine ends a
 * stream when its container stops; a restarted container gets a new one. A stream's own failure
 * (the engine restarting) is logged, never published as a console line.
 */
export class StackLogs {
  readonly #init: StackLogsInit;
  // The follower of each container's current run.
  readonly #current = new Map<string, LogFollow>();
  readonly #live = new Set<LogFollow>();

  constructor(init: StackLogsInit) {
    this.#init = init;
  }

  /** Streams open now. */
  get size(): number {
    return this.#live.size;
  }

  /** Follows a container's output from `sinceMs` on, unless its current run is followed. */
  follow(
    container: { readonly id: string; readonly service: string },
    sinceMs: number,
    tail?: number,
  ): void {
    if (this.#current.has(container.id)) return;
    const { service, id } = container;
    const follow = followLogs(this.#init.client, id, {
      sinceMs,
      tail,
      timeoutMs: logOpenTimeout(this.#init.flavor(), this.#init.timeoutMs),
      onLine: (text, stream) => this.#init.publish({ stream, text, time: Date.now(), service }),
      onError: (error) => {
        this.#init.logger.debug(
          { instanceId: this.#init.instanceId, container: id, err: error },
          'log stream failed',
        );
      },
    });
    this.#current.set(id, follow);
    this.#live.add(follow);
    void follow.ended.then(() => {
      this.#live.delete(follow);
      if (this.#current.get(id) === follow) this.#current.delete(id);
    });
  }

  /** True while the current run of container `id` is followed. */
  following(id: string): boolean {
    return this.#current.has(id);
  }

  /**
   * The container's run ended: its stream ends by itself and the next run gets a new one. Resolves
   * once it delivered its last line, or after 1 s.
   */
  retire(id: string): Promise<void> {
    const follow = this.#current.get(id);
    if (follow === undefined) return Promise.resolve();
    this.#current.delete(id);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        follow.stop();
        resolve();
      }, LAST_LINES_WAIT_MS);
      void follow.ended.then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Forgets the current followers without ending them (the engine connection was lost). */
  forget(): void {
    this.#current.clear();
  }

  /** Ends every stream now. */
  stopAll(): void {
    for (const follow of this.#live) follow.stop();
    this.#current.clear();
  }
}
