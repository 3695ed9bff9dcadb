import { EventEmitter } from 'node:events';
import { readdir } from 'node:fs/promises';
import type { ComposeSupervisor } from '../compose/compose-supervisor.js';
import { ID_PATTERN } from '../config/validate.js';
import type { SupervisorOptions } from '../core/settings.js';
import { describeGot, GamewardError } from '../errors.js';
import { type Logger, safeLogger } from '../logger.js';
import type { ProcessSupervisorConfig } from '../process/options.js';
import {
  type ProcessSupervisor,
  ProcessSupervisor as ProcessSupervisorClass,
} from '../process/process-supervisor.js';
import type { LinkStatus } from '../remote/ssh-link.js';
import type { InstanceState } from '../state/instance-state.js';
import type {
  CallOptions,
  CrashDetails,
  OutputLine,
  Supervisor,
  SupervisorEvents,
} from '../supervisor.js';
import type { SwarmSupervisor } from '../swarm/swarm-supervisor.js';
import type { FakeSupervisor } from '../testing/fake-supervisor.js';
import { abortError, raceAbort } from '../util/abort.js';
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
  /** Aborting rejects with an `AbortError`; the stops already begun go on. */
  signal?: AbortSignal | undefined;
}

/**
 * The supervisors gameward ships, told apart by `kind`: `fleet.get(id)` narrows on it, so a
 * process instance's `pid` needs no cast (`if (s?.kind === 'process') s.pid`). A fleet of your
 * own `Supervisor` implementations is a `Fleet<Supervisor>`.
 */
export type AnySupervisor =
  | ProcessSupervisor
  | ComposeSupervisor
  | SwarmSupervisor
  | FakeSupervisor;

/** The events a {@link Fleet} emits, for every instance it holds, added later ones included. */
export type FleetEvents = {
  /** Every transition of any instance. */
  state: (instanceId: string, next: InstanceState, previous: InstanceState) => void;
  /** Every console line of any instance. */
  output: (instanceId: string, line: OutputLine) => void;
  /** Any instance's crash. */
  crash: (instanceId: string, details: CrashDetails) => void;
  /** Any remote instance's link went down or came back (see the supervisor's `link` event). */
  link: (instanceId: string, status: LinkStatus) => void;
};

interface Member<S extends Supervisor> {
  readonly supervisor: S;
  readonly listeners: { [E in keyof FleetEvents]: (...args: never[]) => void };
}

type FleetEventMethods = 'on' | 'once' | 'off' | 'addListener' | 'removeListener';

/** A `node:events` EventEmitter whose listener methods know {@link FleetEvents}. */
export interface FleetEmitter extends Omit<EventEmitter, FleetEventMethods> {
  on<E extends keyof FleetEvents>(event: E, listener: FleetEvents[E]): this;
  once<E extends keyof FleetEvents>(event: E, listener: FleetEvents[E]): this;
  off<E extends keyof FleetEvents>(event: E, listener: FleetEvents[E]): this;
  addListener<E extends keyof FleetEvents>(event: E, listener: FleetEvents[E]): this;
  removeListener<E extends keyof FleetEvents>(event: E, listener: FleetEvents[E]): this;
}
type TypedFleetEmitter = FleetEmitter;
const FleetEmitter = EventEmitter as unknown as new () => TypedFleetEmitter;

/**
 * Many supervisors held by instance id: one place to dispatch commands from a transport, observe
 * every state change, take a heartbeat snapshot, and shut everything down.
 *
 * The fleet owns what it holds: disposing the fleet disposes every supervisor in it, which leaves
 * no child process or container running. {@link Fleet.remove} hands ownership back.
 */
export class Fleet<S extends Supervisor = AnySupervisor>
  extends FleetEmitter
  implements AsyncDisposable
{
  readonly #logger: Logger;
  readonly #members = new Map<string, Member<S>>();
  readonly #fanout = new StateFanout();
  #disposing: Promise<void> | undefined;

  constructor(options: SupervisorOptions = {}) {
    super();
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
  add<T extends S>(supervisor: T): T {
    this.#assertNotDisposed();
    const id = supervisor.instanceId;
    if (this.#members.has(id)) {
      throw new GamewardError(
        'ERR_DUPLICATE_INSTANCE',
        `Instance ${JSON.stringify(id)} is already in the fleet`,
        { instanceId: id },
      );
    }
    const listeners = {
      state: (next: InstanceState, previous: InstanceState) => {
        this.#fanout.publish({ instanceId: id, state: next });
        this.#emit('state', id, next, previous);
      },
      output: (line: OutputLine) => this.#emit('output', id, line),
      crash: (details: CrashDetails) => this.#emit('crash', id, details),
      link: (status: LinkStatus) => this.#emit('link', id, status),
    };
    for (const [event, listener] of Object.entries(listeners)) {
      supervisor.on(event as keyof SupervisorEvents, listener as never);
    }
    this.#members.set(id, { supervisor, listeners });
    this.#fanout.publish({ instanceId: id, state: supervisor.state });
    return supervisor;
  }

  /** The supervisor of `id`, or undefined; narrow on `kind` for plane-specific members. */
  get(id: string): S | undefined {
    return this.#members.get(id)?.supervisor;
  }

  has(id: string): boolean {
    return this.#members.has(id);
  }

  /**
   * Takes a supervisor out of the fleet without stopping it, and returns it (undefined when the
   * fleet did not hold `id`). The caller owns it again and must dispose it.
   */
  remove(id: string): S | undefined {
    const member = this.#members.get(id);
    if (member === undefined) return undefined;
    this.#detach(member);
    this.#members.delete(id);
    return member.supervisor;
  }

  /**
   * Runs one {@link FleetCommand} from a transport: `{ instanceId, action }` with action start,
   * stop, restart or kill, or `{ instanceId, action: 'send', line }`. Resolves with the
   * instance's state once the action completed; `options.signal` aborts the call as it would on
   * the supervisor. Rejects
   * `ERR_INVALID_ARGUMENT` for a malformed command, `ERR_INVALID_ACTION` for an unknown action,
   * `ERR_UNKNOWN_INSTANCE` for an id the fleet does not hold, and otherwise with whatever the
   * supervisor rejects with (`ERR_ALREADY_RUNNING`, `ERR_NOT_RUNNING`...).
   */
  async dispatch(command: unknown, options?: CallOptions): Promise<InstanceState> {
    this.#assertNotDisposed();
    const parsed = parseFleetCommand(command);
    const { instanceId, action } = parsed;
    const supervisor = this.#members.get(instanceId)?.supervisor;
    if (supervisor === undefined) {
      throw new GamewardError(
        'ERR_UNKNOWN_INSTANCE',
        `is not in the fleet, which holds ${this.#describeIds()}`,
        { instanceId },
      );
    }
    this.#logger.debug({ instanceId, action }, 'dispatch');
    if (parsed.action === 'send') await raceAbort(supervisor.send(parsed.line), options?.signal);
    else await supervisor[parsed.action](options);
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

  /**
   * Adopts every instance found in `stateDir` (each keeper folder `<stateDir>/<id>`) in one call:
   * for each id that `configFor` knows, a {@link ProcessSupervisor} with that config and this
   * `stateDir` is added and refreshed, all at once. Folders `configFor` does not know (it returns
   * undefined) are left alone. Resolves with what each adopted instance was found in.
   */
  async adoptAll(
    stateDir: string,
    configFor: (id: string) => ProcessSupervisorConfig | undefined,
    options: SupervisorOptions = {},
  ): Promise<FleetSnapshotEntry[]> {
    this.#assertNotDisposed();
    const found = await listStateDir(stateDir);
    const added: ProcessSupervisor[] = [];
    for (const id of found) {
      if (this.#members.has(id)) continue;
      const config = configFor(id);
      if (config === undefined) continue;
      const supervisor = new ProcessSupervisorClass({ ...config, id, stateDir }, options);
      added.push(this.add(supervisor as unknown as S) as unknown as ProcessSupervisor);
    }
    await Promise.all(
      added.map((s) =>
        s.refresh().catch((error: unknown) => {
          this.#logger.warn({ instanceId: s.instanceId, err: error }, 'adoption failed');
        }),
      ),
    );
    return added.map((s) => ({
      instanceId: s.instanceId,
      state: s.state,
      uptimeSeconds: s.uptimeSeconds(),
    }));
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
   * Stops every instance that is starting, running or stopping, and every crashed one whose
   * automatic restart is pending (it is cancelled: a host that shuts down must not see it come
   * back), at most `concurrency` at a time, and resolves with the ids it stopped. When some fail, it still waits for all the others, then
   * rejects with an `AggregateError` whose `errors` are the failures (each a `GamewardError` with
   * its `instanceId`). An instance that crashed on its own meanwhile is not a failure.
   */
  async stopAll(options: StopAllOptions = {}): Promise<string[]> {
    this.#assertNotDisposed();
    if (options.signal?.aborted) throw abortError(options.signal);
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
      .filter((s) => s.state.state !== 'stopped' && s.state.state !== 'unmanaged');
    const run = settleLimited(targets, concurrency, (s) => s.stop());
    const results = await raceAbort(run, options.signal);
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
  close(): Promise<void> {
    this.#disposing ??= this.#dispose();
    return this.#disposing;
  }

  /** Same as {@link close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #detach(member: Member<S>): void {
    for (const [event, listener] of Object.entries(member.listeners)) {
      member.supervisor.off(event as keyof SupervisorEvents, listener as never);
    }
  }

  /** Emits to every listener; one that throws is logged and the others still run. */
  #emit<E extends keyof FleetEvents>(event: E, ...args: Parameters<FleetEvents[E]>): void {
    if (this.listenerCount(event) === 0) return;
    for (const listener of this.rawListeners(event)) {
      try {
        (listener as (...a: unknown[]) => void)(...args);
      } catch (error) {
        this.#logger.error({ event, err: error }, 'fleet listener threw');
      }
    }
  }

  async #dispose(): Promise<void> {
    const members = [...this.#members.values()];
    const results = await Promise.allSettled(members.map(({ supervisor }) => supervisor.close()));
    for (const member of members) this.#detach(member);
    this.removeAllListeners();
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

/** The instance ids with a folder in `stateDir` (an id-shaped name), sorted. */
async function listStateDir(stateDir: string): Promise<string[]> {
  try {
    const entries = await readdir(stateDir, { withFileTypes: true });
    return entries
      .filter((e) => e.isDirectory() && ID_PATTERN.test(e.name))
      .map((e) => e.name)
      .sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new GamewardError(
      'ERR_INVALID_ARGUMENT',
      `cannot read stateDir ${JSON.stringify(stateDir)}: ${String(error)}`,
      { cause: error },
    );
  }
}
