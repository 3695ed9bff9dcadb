import type { OutputHub } from '../console/output-hub.js';
import type { Logger } from '../logger.js';
import type { CrashExit, CrashPolicy } from '../policy/auto-restart.js';
import type { CrashDetails, GaveUp, RestartScheduled } from '../supervisor.js';
import type { ServerRun } from './server-run.js';

/** What a {@link CrashReporter} works with. */
export interface CrashReporterInit {
  readonly instanceId: string;
  readonly policy: CrashPolicy;
  /** Lines attached to the crash event. */
  readonly crashLines: number;
  readonly console: OutputHub;
  readonly logger: Logger;
  readonly onCrash: (details: CrashDetails) => void;
  readonly onRestartScheduled: (info: RestartScheduled) => void;
  readonly onGaveUp: (info: GaveUp) => void;
  /** Asked after the crash event: false when the user acted since (started, stopped, disposed). */
  readonly shouldRestart: () => boolean;
  readonly restart: () => void;
}

/**
 * After a crash: the `crash` event with the run's last lines (once its pipes drained, briefly
 * bounded), then the crash policy's verdict: a restart timer, or giving up.
 */
export class CrashReporter {
  readonly #init: CrashReporterInit;
  #timer: NodeJS.Timeout | undefined;

  constructor(init: CrashReporterInit) {
    this.#init = init;
  }

  /** Reports a crash of `run`; never throws (it runs in the background). */
  report(run: ServerRun, exit: CrashExit, uptimeSeconds: number): void {
    this.#report(run, exit, uptimeSeconds).catch((error: unknown) => {
      this.#init.logger.error(
        { instanceId: this.#init.instanceId, err: error },
        'crash report failed',
      );
    });
  }

  /** Cancels a scheduled automatic restart; true when one was pending. */
  cancelRestart(): boolean {
    if (this.#timer === undefined) return false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    return true;
  }

  /** Forgets past restarts: an explicit start, stop or kill begins afresh. */
  reset(): void {
    this.#init.policy.reset();
  }

  async #report(run: ServerRun, exit: CrashExit, uptimeSeconds: number): Promise<void> {
    const init = this.#init;
    // The last lines may still be in the pipes when the exit event arrives.
    await run.process.drained();
    const details: CrashDetails = {
      ...(exit.exitCode === undefined || exit.exitCode === null ? {} : { exitCode: exit.exitCode }),
      ...(exit.signal === undefined || exit.signal === null ? {} : { signal: exit.signal }),
      uptimeSeconds,
      lastLines: init.console.recent(Math.min(init.crashLines, run.lines)),
    };
    init.logger.warn({ instanceId: init.instanceId, ...exit, uptimeSeconds }, 'server crashed');
    init.onCrash(details);
    if (!init.shouldRestart()) return;
    const decision = init.policy.onCrash(exit);
    if (decision.action === 'restart') {
      this.cancelRestart();
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        init.restart();
      }, decision.delayMs);
      init.onRestartScheduled({ attempt: decision.attempt, delayMs: decision.delayMs });
    } else if (decision.action === 'give-up') {
      init.logger.warn({ instanceId: init.instanceId, restarts: decision.restarts }, 'gave up');
      init.onGaveUp({ restarts: decision.restarts });
    }
  }
}
