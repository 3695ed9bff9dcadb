import type { Logger } from '../logger.js';
import type { CrashExit, CrashPolicy } from '../policy/auto-restart.js';
import type { SupervisorEvents } from '../supervisor.js';
import type { ServerRun } from './server-run.js';

type CrashEvent = 'crash' | 'restartScheduled' | 'gaveUp';

/** What a {@link CrashReporter} works with. */
export interface CrashReporterInit {
  readonly instanceId: string;
  readonly policy: CrashPolicy;
  readonly logger: Logger;
  emit<E extends CrashEvent>(event: E, ...args: Parameters<SupervisorEvents[E]>): void;
  /** Starts the automatic restart (it queues like any lifecycle call and handles its errors). */
  restart(): void;
}

/**
 * After a crash: the crash policy's verdict at once, then (once the run's pipes drained, briefly
 * bounded) the `crash` event with its last lines and the verdict's event. A restart is pending
 * from the crash on, so a stop, kill, start or dispose issued at any point before it begins
 * cancels it.
 */
export class CrashReporter {
  readonly #init: CrashReporterInit;
  // Bumped by every crash and every cancel: a report whose number is stale announces no verdict.
  #generation = 0;
  #restartPending = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(init: CrashReporterInit) {
    this.#init = init;
  }

  /** Reports a crash of `run`; never throws (it runs in the background). */
  report(run: ServerRun, exit: CrashExit, uptimeSeconds: number): void {
    this.#cancel();
    const generation = this.#generation;
    const decision = this.#init.policy.onCrash(exit);
    this.#restartPending = decision.action === 'restart';
    this.#announce(run, exit, uptimeSeconds, generation, decision).catch((error: unknown) => {
      this.#init.logger.error(
        { instanceId: this.#init.instanceId, err: error },
        'crash report failed',
      );
    });
  }

  /**
   * The user took over (start, stop, restart, kill, dispose): past restarts are forgotten and a
   * pending one is cancelled. True when one was pending.
   */
  takeOver(): boolean {
    this.#init.policy.reset();
    return this.#cancel();
  }

  #cancel(): boolean {
    const pending = this.#restartPending;
    this.#restartPending = false;
    this.#generation += 1;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    return pending;
  }

  async #announce(
    run: ServerRun,
    exit: CrashExit,
    uptimeSeconds: number,
    generation: number,
    decision: ReturnType<CrashPolicy['onCrash']>,
  ): Promise<void> {
    const init = this.#init;
    const { logger, instanceId } = init;
    // The last lines may still be in the pipes when the exit event arrives.
    await run.process.finish();
    logger.warn({ instanceId, ...exit, uptimeSeconds }, 'server crashed');
    init.emit('crash', {
      ...(exit.exitCode === undefined || exit.exitCode === null ? {} : { exitCode: exit.exitCode }),
      ...(exit.signal === undefined || exit.signal === null ? {} : { signal: exit.signal }),
      uptimeSeconds,
      lastLines: run.lastLines(),
    });
    // The user acted since (start, stop, kill, dispose): the verdict is moot.
    if (generation !== this.#generation) return;
    if (decision.action === 'restart') {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#restartPending = false;
        init.restart();
      }, decision.delayMs);
      init.emit('restartScheduled', { attempt: decision.attempt, delayMs: decision.delayMs });
    } else if (decision.action === 'give-up') {
      logger.warn({ instanceId, restarts: decision.restarts }, 'gave up');
      init.emit('gaveUp', { restarts: decision.restarts });
    }
  }
}
