import { GamewardError } from '../errors.js';
import type { StackView } from './stack-view.js';
import type { TaskBoard } from './task-board.js';

interface Wait {
  readonly holds: (view: StackView) => boolean;
  done(): void;
}

/** Nothing of the stack is left: no service, no task that may still run on any node. */
export const stackGone = (view: StackView): boolean => !view.exists && view.live.length === 0;
/** No task of the stack may still run on any node (its services may remain). */
export const tasksGone = (view: StackView): boolean => view.live.length === 0;

/**
 * Waits, on the board's views, until a stack's tasks are gone. `docker stack rm` returns before
 * that (its services vanish at once, its tasks run about 3 s longer, `stack ps` already says
 * nothing), and so does a scale to zero: a stop waits here.
 */
export class StackWaiter {
  readonly #waits = new Set<Wait>();
  #last: StackView | undefined;

  /** True while someone waits: the board then polls fast. */
  get waiting(): boolean {
    return this.#waits.size > 0;
  }

  update(view: StackView): void {
    this.#last = view;
    for (const wait of [...this.#waits]) if (wait.holds(view)) wait.done();
  }

  /**
   * Resolves on the first view (after `board` is poked) where `holds`; rejects `ERR_STOP_FAILED`
   * after `timeoutMs`, or with the reason when `signal` aborts.
   */
  until(
    holds: (view: StackView) => boolean,
    board: TaskBoard,
    timeoutMs: number | undefined,
    signal: AbortSignal | undefined,
    who: { readonly id: string; readonly stackName: string },
  ): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = (error?: unknown): void => {
        this.#waits.delete(wait);
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (error === undefined) resolve();
        else reject(error);
      };
      const wait: Wait = { holds, done: () => finish() };
      const onAbort = (): void => finish(signal?.reason);
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          const live = this.#last?.live ?? [];
          const where = [...new Set(live.map((t) => t.nodeId || 'unassigned'))].join(', ');
          finish(
            new GamewardError(
              'ERR_STOP_FAILED',
              `stack ${JSON.stringify(who.stackName)} still has ${live.length} task(s) running (nodes ${where || 'unknown'}) after ${timeoutMs} ms`,
              { instanceId: who.id },
            ),
          );
        }, timeoutMs);
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waits.add(wait);
      board.poke();
    });
  }

  /** Ends every wait (the plane is released). */
  close(): void {
    for (const wait of [...this.#waits]) wait.done();
  }
}
