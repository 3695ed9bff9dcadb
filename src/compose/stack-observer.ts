import { createLineMatcher } from '../console/readiness.js';
import { GamewardError } from '../errors.js';
import type { Logger } from '../logger.js';
import { crashed, type InstanceState, States } from '../state/instance-state.js';
import type { CrashDetails, OutputLine } from '../supervisor.js';
import type { ContainerInfo, TableChange } from './container-table.js';
import type { NormalizedComposeConfig } from './options.js';
import { adoptedState, type StackView, viewStack } from './reconcile.js';
import type { StackWatch } from './stack-watch.js';
import { StartingPhase } from './starting-phase.js';

/** What the observer needs from its supervisor. */
export interface ObserverHost {
  readonly config: NormalizedComposeConfig;
  readonly watch: StackWatch;
  readonly logger: Logger;
  state(): InstanceState;
  setState(next: InstanceState): void;
  /** True while a lifecycle operation owns the state. */
  busy(): boolean;
  uptimeSeconds(): number;
  publish(line: OutputLine): void;
  recentOutput(): OutputLine[];
  emitCrash(details: CrashDetails): void;
  /** A GamewardError: `Instance "id" <what>`. */
  error(code: GamewardError['code'], what: string): GamewardError;
}

/**
 * Turns what the watch sees (container changes, log lines, snapshots) into states: crashes,
 * restarts brought back by a restart policy, the `starting` → `running` step once healthchecks
 * and the ready line say so, and what a snapshot shows when nothing owns the state.
 */
export class StackObserver {
  readonly #host: ObserverHost;
  readonly #matches: ((text: string) => boolean) | undefined;
  #phase: StartingPhase | undefined;

  constructor(host: ObserverHost) {
    this.#host = host;
    const { readiness } = host.config;
    this.#matches = readiness === undefined ? undefined : createLineMatcher(readiness.pattern);
  }

  /** What the selected services' containers say now. */
  view(): StackView {
    return viewStack(this.#host.watch.table, this.#host.config.services);
  }

  onLine(line: OutputLine): void {
    this.#host.publish(line);
    const phase = this.#phase;
    if (phase !== undefined && !phase.lineSeen && this.#matches?.(line.text) === true) {
      phase.lineSeen = true;
      this.evaluate();
    }
  }

  onChange(change: TableChange): void {
    const host = this.#host;
    const c = change.container;
    if (c === undefined || !this.#isSelected(c)) return;
    // Its follower ends with the run; the next run gets its own.
    const lastLines = change.kind === 'die' ? host.watch.logs.retire(c.id) : undefined;
    const s = host.state().state;
    if (s === 'stopping' || s === 'stopped') return;
    // A line can precede the start event: read the log from the end of the previous run.
    if (change.kind === 'start') host.watch.logs.follow(c, c.finishedAt ?? 0);
    if (change.kind === 'die') {
      if (s === 'running' || s === 'starting') this.crash(c.exitCode, c, lastLines);
    } else if (change.kind === 'start' && s === 'crashed') {
      // A restart policy (or someone) brought it back: its new run prints its ready line anew.
      if (!host.busy()) this.externalStart(true);
    } else {
      this.evaluate();
    }
  }

  /** After a resync: while an operation owns the state, only a start may complete. */
  onResync(): void {
    if (this.#host.busy()) this.evaluate();
    else this.applyView();
  }

  /** Moves to what the table shows (refresh, adoption, a resync after the stream came back). */
  applyView(): void {
    const host = this.#host;
    const view = this.view();
    const current = host.state();
    const s = current.state;
    if (s === 'stopping') return;
    if (s === 'starting' && this.#phase !== undefined) {
      if (view.kind === 'down') this.crash(view.exitCode, undefined);
      else if (view.kind === 'absent') this.crash(undefined, undefined);
      else this.evaluate();
      return;
    }
    const next = adoptedState(current, view);
    if (next.state === 'crashed' && (s === 'running' || s === 'starting')) {
      this.crash(next.exitCode, undefined);
      return;
    }
    host.setState(next);
    // An adopted stack printed its ready line long ago: only its healthchecks are awaited.
    if (next.state === 'starting') this.externalStart(false);
    // Gone while nobody watched closely (an engine restart): a stopped stack holds no process.
    if (next.state === 'stopped' && !host.busy()) {
      host.watch.close().catch((error: unknown) => {
        host.logger.warn({ instanceId: host.config.id, err: error }, 'closing the watch failed');
      });
    }
  }

  /** `starting` → `running` once every selected container is up and the ready line was seen. */
  evaluate(): void {
    const host = this.#host;
    const phase = this.#phase;
    if (host.state().state !== 'starting' || phase === undefined || !phase.armed) return;
    if (this.view().kind === 'up' && phase.lineSeen) {
      this.#phase = undefined;
      host.setState(States.running);
      phase.succeed();
      return;
    }
    // A container created since the last snapshot: only inspect tells whether it has a
    // healthcheck. Asked once per container, so one that vanished cannot loop snapshots.
    const unknown = host.watch.table
      .selected(host.config.services)
      .filter((c) => c.hasHealthcheck === undefined && !phase.inspected.has(c.id));
    for (const c of unknown) phase.inspected.add(c.id);
    if (unknown.length > 0) host.watch.resync();
  }

  /** A new stay in `starting`, bounded by the start timeout. */
  beginPhase(needsLine: boolean, onTimeout: () => Error): StartingPhase {
    this.endPhase();
    const phase = new StartingPhase(
      needsLine && this.#matches !== undefined,
      this.#host.config.startTimeoutMs,
      onTimeout,
    );
    this.#phase = phase;
    return phase;
  }

  /** Drops the current phase; a start() still waiting on it is told it was cancelled. */
  endPhase(notify = true): void {
    const phase = this.#phase;
    this.#phase = undefined;
    if (notify && phase !== undefined && !phase.settled) {
      phase.fail(this.#host.error('ERR_ABORTED', 'start was cancelled'));
    }
  }

  /** `crashed` → `starting`, not asked for by start(): a restart policy, or an adoption. */
  externalStart(needsLine: boolean): void {
    const host = this.#host;
    if (host.state().state === 'crashed') host.setState(States.starting);
    const phase = this.beginPhase(needsLine, () => {
      if (this.#phase === phase && host.state().state === 'starting') host.setState(crashed());
      return host.error('ERR_READINESS_TIMEOUT', 'did not get ready after its restart');
    });
    phase.armed = true;
    this.evaluate();
  }

  /**
   * A selected container died with no stop requested; `lastLines` resolves once its log follower
   * delivered the last lines of the run.
   */
  crash(
    exitCode: number | undefined,
    container: ContainerInfo | undefined,
    lastLines: Promise<void> = Promise.resolve(),
  ): void {
    const host = this.#host;
    const uptimeSeconds = host.uptimeSeconds();
    const phase = this.#phase;
    this.endPhase(false);
    host.setState(crashed({ exitCode }));
    const who = container === undefined ? 'a selected service' : `service "${container.service}"`;
    const code = exitCode === undefined ? '' : ` with code ${exitCode}`;
    const id = host.config.id;
    phase?.fail(
      new GamewardError(
        'ERR_COMPOSE',
        `Instance ${JSON.stringify(id)}: ${who} exited${code} before the stack was running`,
        { instanceId: id, exitCode },
      ),
    );
    this.#reportCrash(exitCode, uptimeSeconds, container, lastLines).catch((e: unknown) => {
      host.logger.error({ instanceId: host.config.id, err: e }, 'crash report failed');
    });
  }

  async #reportCrash(
    exitCode: number | undefined,
    uptimeSeconds: number,
    container: ContainerInfo | undefined,
    lastLines: Promise<void>,
  ): Promise<void> {
    const host = this.#host;
    // The events stream can be ahead of the logs: let the dead container's last lines arrive.
    await lastLines;
    const lines = host
      .recentOutput()
      .filter((l) => container === undefined || l.service === container.service);
    host.logger.warn({ instanceId: host.config.id, exitCode, uptimeSeconds }, 'stack crashed');
    host.emitCrash({
      ...(exitCode === undefined ? {} : { exitCode }),
      uptimeSeconds,
      lastLines: lines.slice(Math.max(0, lines.length - host.config.crashLines)),
    });
  }

  #isSelected(c: ContainerInfo): boolean {
    const { services } = this.#host.config;
    return services === undefined || services.includes(c.service);
  }
}
