import type { Logger } from '../logger.js';
import type { AutoRestartConfig } from '../policy/auto-restart.js';
import { CrashPolicy } from '../policy/auto-restart.js';
import type { CrashDetails, OutputLine, SupervisorEvents } from '../supervisor.js';
import { settleWithin } from '../util/abort.js';
import type { ExitFact } from './plane.js';

type CrashEvent = 'crash' | 'restartScheduled' | 'gaveUp';

/** The longest a crash event waits for the dead run's last lines. */
const DRAIN_LIMIT_MS = 2000;

/** What a {@link CrashDesk} works with. */
export interface CrashDeskInit {
  readonly instanceId: string;
  readonly autoRestart: AutoRestartConfig;
  readonly crashLines: number;
  readonly logger: Logger;
  emit<E extends CrashEvent>(event: E, ...args: Parameters<SupervisorEvents[E]>): void;
  /** The run's newest lines (the core's per-run ring). */
  lastLines(): OutputLine[];
  /** Starts the automatic restart (it queues like any lifecycle call and handles its errors). */
  restart(): void;
}

/**
 * After a crash, on every plane: the crash policy's verdict at once (so a stop issued a moment
 * later sees the restart pending and cancels it), then, once the run's last lines arrived
 * (bounded), the `crash` event with {@link CrashDetails}, then `restartScheduled` or `gaveUp`.
 */
export class CrashDesk {
  readonly #init: CrashDeskInit;
  readonly #policy: CrashPolicy;
  // Bumped by every crash and every take-over: a report whose number is stale announces no verdict.
  #generation = 0;
  #restartPending = false;
  #timer: NodeJS.Timeout | undefined;
  readonly #announcing = new Set<Promise<void>>();

  constructor(init: CrashDeskInit) {
    this.#init = init;
    this.#policy = new CrashPolicy(init.autoRestart);
  }

  /** True while an automatic restart is decided or scheduled and not yet begun. */
  get restartPending(): boolean {
    return this.#restartPending;
  }

  /** Reports a crash (`exit` empty for a readiness timeout); never throws. */
  report(exit: ExitFact, uptimeSeconds: number): void {
    this.#cancel();
    const generation = this.#generation;
    const decision = this.#policy.onCrash(exit);
    this.#restartPending = decision.action === 'restart';
    // The ring is read now: a restart's first lines must not land in this crash's report.
    const lines = this.#init.lastLines();
    const announcing = this.#announce(exit, uptimeSeconds, lines, generation, decision).catch(
      (error: unknown) => {
        this.#init.logger.error({ instanceId: this.#init.instanceId, err: error }, 'crash report');
      },
    );
    this.#announcing.add(announcing);
    void announcing.finally(() => this.#announcing.delete(announcing));
  }

  /**
   * The user took over (start, stop, restart, kill, dispose) or the world restarted it: past
   * restarts are forgotten and a pending one is cancelled. True when one was pending.
   */
  takeOver(): boolean {
    this.#policy.reset();
    return this.#cancel();
  }

  /** Resolves once every crash event decided so far has been emitted. */
  async flush(): Promise<void> {
    await Promise.all([...this.#announcing]);
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
    exit: ExitFact,
    uptimeSeconds: number,
    ringAtCrash: OutputLine[],
    generation: number,
    decision: ReturnType<CrashPolicy['onCrash']>,
  ): Promise<void> {
    const init = this.#init;
    const { logger, instanceId } = init;
    // Never inside the report: the `crashed` transition is delivered first, and a caller that
    // made the crash happen (a fake world's crash()) can still subscribe to the crash event.
    await new Promise<void>((resolve) => setImmediate(resolve));
    // The last lines may still be in the pipes (or the log stream) when the exit is reported.
    if (exit.drained !== undefined) await settleWithin(exit.drained, DRAIN_LIMIT_MS);
    const lines = exit.drained === undefined ? ringAtCrash : mergeNewer(ringAtCrash, init);
    logger.warn({ instanceId, exitCode: exit.exitCode, signal: exit.signal }, 'crashed');
    init.emit('crash', crashDetails(exit, uptimeSeconds, lines, init.crashLines));
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

/** The ring at the crash, plus what the drain added (lines newer than the last one seen). */
function mergeNewer(atCrash: OutputLine[], init: CrashDeskInit): OutputLine[] {
  const now = init.lastLines();
  const last = atCrash[atCrash.length - 1];
  if (last === undefined) return now;
  const at = now.lastIndexOf(last);
  return at === -1 ? now : [...atCrash, ...now.slice(at + 1)];
}

/** The `crash` event's payload: one shape on every plane. */
export function crashDetails(
  exit: ExitFact,
  uptimeSeconds: number,
  lines: readonly OutputLine[],
  limit: number,
): CrashDetails {
  const own = exit.service === undefined ? lines : lines.filter((l) => l.service === exit.service);
  return {
    ...(exit.exitCode === undefined ? {} : { exitCode: exit.exitCode }),
    ...(exit.signal === undefined ? {} : { signal: exit.signal }),
    uptimeSeconds,
    lastLines: own.slice(Math.max(0, own.length - limit)),
  };
}
