import { describeGot, describeValue, GamewardError } from '../errors.js';
import { type Logger, type SupervisorOptions, safeLogger } from '../logger.js';
import type { InstanceState } from '../state/instance-state.js';
import type { Supervisor } from '../supervisor.js';
import { parseFleetCommand } from './command.js';
import { settleLimited } from './limit.js';
import { type FleetStateEvent, type FleetStatesOptions, StateFanout } from './state-fanout.js';

/** One instance in a {@link Fleet.snapshot}: the payload of a heartbeat. */
export interface FleetSnapshotEntry {
  readonly instanceId: string;
  readonly state: InstanceState;
  /** Whole seconds since the instance entered `running`; 0 unless running. */
  readonly uptimeSeconds: number;
}

/** Options of {@link Fleet.stopAll}. */
export interface StopAllOptions {
  /** How many instances stop at the same time (default: all of them). */
  concurrency?: number | undefined;
}

type Listener = (next: InstanceState) => void;

/**
 * Many supervisors held by instance id: one place to dispatch commands from a transport, observe
 * every state change, take a heartbeat snapshot, and shut everything down.
 *
 * The fleet owns what it holds: disposing the fleet disposes every supervisor in it, which leaves
 * no child process or container running. {@link Fleet.remove} hands ownership back.
 */
export class Fleet implements AsyncDisposable {
  readonly #logger: Logger;
  readonly #members = new Map<string, { supervisor: Supervisor; listener: Listener }>();
  readonly #fanout = new StateFanout();
  #disposing: Promise<void> | undefined;

  constructor(options: SupervisorOptions = {}) {
    this.#logger = safeLogger(options.logger);
  }

  /** Instance ids, in the order they were added. */
  get ids(): string[] {
    return [...this.#members.keys()];
  }

  /** How many instances the fleet holds. */
  get size(): number {
    return this.#members.size;
  }

  /**
   * Adds a supervisor, which the fleet then owns, and returns it. Open {@link states} iterators
   * receive its current state at once. A second supervisor with the same id throws
   * `ERR_DUPLICATE_INSTANCE`; a disposed fleet throws `ERR_DISPOSED`.
   */
  add<S extends Supervisor>(supervisor: S): S {
    this.#assertNotDisposed();
    const id = supervisor.instanceId;
    if (this.#members.has(id)) {
      throw new GamewardError(
        'ERR_DUPLICATE_INSTANCE',
        `Instance ${JSON.stringify(id)} is already in the fleet`,
        { instanceId: id },
      );
    }
    const listener: Listener = (state) => this.#fanout.publish({ instanceId: id, state });
    supervisor.on('state', listener);
    this.#members.set(id, { supervisor, listener });
    this.#fanout.publish({ instanceId: id, state: supervisor.state });
    return supervisor;
  }

  /** The supervisor of `id`, or undefined. */
  get(id: string): Supervisor | undefined {
    return this.#members.get(id)?.supervisor;
  }

  has(id: string): boolean {
    return this.#members.has(id);
  }

  /**
   * Takes a supervisor out of the fleet without stopping it, and returns it (undefined when the
   * fleet did not hold `id`). The caller owns it again and must dispose it.
   */
  remove(id: string): Supervisor | undefined {
    const member = this.#members.get(id);
    if (member === undefined) return undefined;
    member.supervisor.off('state', member.listener);
    this.#members.delete(id);
    return member.supervisor;
  }

  /**
   * Runs one {@link FleetCommand} from a transport: `{ instanceId, action }` with action start, stop, restart
   * or kill. Resolves with the instance's state once the action completed. Rejects
   * `ERR_INVALID_ARGUMENT` for a malformed command, `ERR_INVALID_ACTION` for an unknown action,
   * `ERR_UNKNOWN_INSTANCE` for an id the fleet does not hold, and otherwise with whatever the
   * supervisor rejects with (`ERR_ALREADY_RUNNING`, `ERR_NOT_RUNNING`...).
   */
  async dispatch(command: unknown): Promise<InstanceState> {
    this.#assertNotDisposed();
    const { instanceId, action } = parseFleetCommand(command);
    const supervisor = this.#members.get(instanceId)?.supervisor;
    if (supervisor === undefined) {
      throw new GamewardError(
        'ERR_UNKNOWN_INSTANCE',
        `Unknown instance ${describeValue(instanceId)}: the fleet holds ${this.#describeIds()}`,
        { instanceId },
      );
    }
    this.#logger.debug({ instanceId, action }, 'dispatch');
    await supervisor[action]();
    return supervisor.state;
  }

  /**
   * One merged async iterator of every instance's states: the current state of each instance
   * first, then every transition of any of them, in order per instance, including instances
   * added later. A slow consumer never blocks a supervisor: beyond `bufferSize` it loses the oldest
   * events. `break` or an abort unsubscribes; the iterator ends when the fleet is disposed.
   */
  states(options: FleetStatesOptions = {}): AsyncIterableIterator<FleetStateEvent> {
    const initial = [...this.#members.values()].map(({ supervisor }) => ({
      instanceId: supervisor.instanceId,
      state: supervisor.state,
    }));
    return this.#fanout.subscribe(initial, options);
  }

  /** Every instance's state and uptime, now, in the order they were added. No I/O. */
  snapshot(): FleetSnapshotEntry[] {
    return [...this.#members.values()].map(({ supervisor }) => ({
      instanceId: supervisor.instanceId,
      state: supervisor.state,
      uptimeSeconds: supervisor.uptimeSeconds(),
    }));
  }

  /**
   * Stops every instance that is starting or running, at most `concurrency` at a time, and
   * resolves with the ids it stopped. When some fail, it still waits for all the others, then
   * rejects with an `AggregateError` whose `errors` are the failures (each a `GamewardError` with
   * its `instanceId`). An instance that crashed on its own meanwhile is not a failure.
   */
  async stopAll(options: StopAllOptions = {}): Promise<string[]> {
    this.#assertNotDisposed();
    const concurrency = options.concurrency ?? Number.POSITIVE_INFINITY;
    if (
      !(
        concurrency === Number.POSITIVE_INFINITY ||
        (Number.isInteger(concurrency) && concurrency > 0)
      )
    ) {
      throw new GamewardError(
        'ERR_INVALID_ARGUMENT',
        `Expected \`concurrency\` to be a positive integer, got ${describeGot(concurrency)}`,
      );
    }
    const targets = [...this.#members.values()]
      .map(({ supervisor }) => supervisor)
      .filter((s) => s.state.state === 'running' || s.state.state === 'starting');
    const results = await settleLimited(targets, concurrency, (s) => s.stop());
    const stopped: string[] = [];
    const errors: unknown[] = [];
    results.forEach((result, i) => {
      const id = (targets[i] as Supervisor).instanceId;
      if (result.status === 'fulfilled') stopped.push(id);
      else if (
        !(result.reason instanceof GamewardError && result.reason.code === 'ERR_NOT_RUNNING')
      )
        errors.push(result.reason);
    });
    if (errors.length > 0) {
      throw new AggregateError(
        errors,
        `${errors.length} of ${targets.length} instance(s) failed to stop`,
      );
    }
    return stopped;
  }

  /**
   * Disposes every supervisor the fleet holds (each stops what runs: no child process or container
   * survives), then ends every {@link states} iterator. Idempotent. When some disposals fail, the
   * others still complete and it rejects with an `AggregateError` of the failures.
   */
  [Symbol.asyncDispose](): Promise<void> {
    this.#disposing ??= this.#dispose();
    return this.#disposing;
  }

  async #dispose(): Promise<void> {
    const members = [...this.#members.values()];
    const results = await Promise.allSettled(
      members.map(({ supervisor }) => supervisor[Symbol.asyncDispose]()),
    );
    for (const { supervisor, listener } of members) supervisor.off('state', listener);
    this.#members.clear();
    this.#fanout.close();
    const errors = results.flatMap((result, i) => {
      if (result.status === 'fulfilled') return [];
      const instanceId = members[i]?.supervisor.instanceId;
      this.#logger.error({ instanceId, err: result.reason }, 'dispose failed');
      return [result.reason as unknown];
    });
    if (errors.length > 0) {
      throw new AggregateError(errors, `${errors.length} instance(s) failed to dispose`);
    }
  }

  #assertNotDisposed(): void {
    if (this.#disposing !== undefined) {
      throw new GamewardError('ERR_DISPOSED', 'The fleet has been disposed');
    }
  }

  #describeIds(): string {
    const ids = this.ids;
    if (ids.length === 0) return 'no instances';
    const shown = ids.slice(0, 10).map((id) => JSON.stringify(id));
    return ids.length > 10 ? `${shown.join(', ')} and ${ids.length - 10} more` : shown.join(', ');
  }
}
