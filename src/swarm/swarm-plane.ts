import type { Observation, Plane, PlaneReport } from '../core/plane.js';
import { GamewardError, isGamewardError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ResourceStats } from '../supervisor.js';
import { raceAbort } from '../util/abort.js';
import { managerHost } from './engine.js';
import type { NormalizedSwarmConfig } from './options.js';
import type { TaskRecord } from './records.js';
import { RunWatch } from './run-watch.js';
import { ServiceLogs, sinceOf } from './service-logs.js';
import { StackCli } from './stack-cli.js';
import { killLocalTasks, removeStackNetworks, scaleToZero } from './stack-stop.js';
import { observeView, type StackView, viewStack } from './stack-view.js';
import { StackWaiter, stackGone, tasksGone } from './stack-waiter.js';
import { type BoardSnapshot, TaskBoard } from './task-board.js';
import { sampleTasks } from './task-stats.js';

/** After the graceful budget, what the tasks on other nodes may still take: swarm's 2 s, plus. */
const FORCE_MARGIN_MS = 15_000;

/**
 * A stack on a Docker Swarm: `docker stack deploy` launches it, `docker stack rm` halts it, and
 * facts come from the manager's shared {@link TaskBoard} (tasks) and service logs (output).
 * Readiness: every selected service has its desired replicas running, on whichever nodes
 * (healthy where a healthcheck exists: swarm holds a task in `starting` until then).
 */
export class SwarmPlane implements Plane {
  readonly kind = 'swarm' as const;
  /** Services have no stdin (moby/moby#32300): send() is ERR_UNSUPPORTED. */
  readonly consoleInput = false;
  readonly #config: NormalizedSwarmConfig;
  readonly #logger: Logger;
  readonly #cli: StackCli;
  readonly #host: string;
  readonly #watch: RunWatch;
  readonly #waiter = new StackWaiter();
  readonly #followers = new Map<string, ServiceLogs>();
  #report: PlaneReport | undefined;
  #board: TaskBoard | undefined;
  #unsubscribe: (() => void) | undefined;
  #view: StackView | undefined;
  #logsSince = sinceOf(Date.now());
  // Deployed, and the board has not shown a task of it yet: something may run already.
  #expecting = false;
  #unreachable = false;
  #managerNodeId: Promise<string | undefined> | undefined;

  constructor(config: NormalizedSwarmConfig, logger: Logger) {
    this.#config = config;
    this.#logger = logger;
    this.#cli = new StackCli(config);
    this.#host = managerHost(config.env);
    this.#watch = new RunWatch({
      ready: () => this.#report?.ready(),
      exited: (service, task) => this.#exited(service, task),
      revived: () => this.#report?.revived(),
    });
  }

  get active(): boolean {
    return this.#expecting || (this.#view?.live.length ?? 0) > 0;
  }

  connect(report: PlaneReport): void {
    this.#report = report;
  }

  async observe(signal: AbortSignal): Promise<Observation> {
    const view = await this.#read(signal);
    const found = observeView(view);
    if (this.#watch.phase === 'idle' || this.#watch.phase === 'down') {
      // An adopted stack's old output is not replayed: its lines from now on.
      this.#logsSince = sinceOf(Date.now());
    }
    this.#watch.adopt(view, found);
    return found;
  }

  async launch(signal: AbortSignal): Promise<void> {
    const before = await this.#read(signal);
    // A stack left by a dead run keeps its dead replicas through a redeploy of the same file
    // (only a changed task template refills a slot): it goes first, volumes kept.
    if (before.exists || before.live.length > 0)
      await this.#removeStack(signal, FORCE_MARGIN_MS * 4);
    this.#logsSince = sinceOf(Date.now());
    this.#watch.launched();
    this.#expecting = true;
    try {
      await this.#cli.deploy(signal);
      const view = await this.#read(signal);
      if (view.missing.length > 0) {
        const names = view.missing.map((m) => JSON.stringify(m)).join(', ');
        throw new GamewardError(
          'ERR_INVALID_CONFIG',
          `expected \`services\` to name services of stack ${JSON.stringify(this.#config.stackName)}, got ${names}, which its files do not define`,
          { instanceId: this.#config.id },
        );
      }
    } catch (error) {
      if (signal.aborted) throw error;
      // Nothing half-deployed stays behind a failed launch.
      await this.#removeStack(undefined, FORCE_MARGIN_MS).catch((e: unknown) =>
        this.#logger.warn(
          { instanceId: this.#config.id, err: e },
          'clean-up after a failed deploy',
        ),
      );
      throw error;
    }
  }

  /**
   * Graceful: every service scaled to zero (the servers' last lines still arrive), waited for
   * within `stopTimeoutMs`, then `stack rm`. Force, or when the budget ran out: `stack rm`,
   * SIGKILL to the tasks on the manager's node, and a wait for the others, which swarm stops
   * with the stack file's `stop_grace_period`. Resolves once no task runs on any node.
   */
  async halt(force: boolean, signal?: AbortSignal): Promise<void> {
    this.#watch.halting();
    const board = this.#subscribe();
    const services = (board.latest?.services ?? []).filter(
      (s) => s.stack === this.#config.stackName,
    );
    let graceful = !force;
    if (graceful && (await scaleToZero(board.api, services))) {
      try {
        await this.#waiter.until(
          tasksGone,
          board,
          this.#config.stopTimeoutMs,
          signal,
          this.#config,
        );
        await Promise.all([...this.#followers.values()].map((f) => f.quiet()));
      } catch (error) {
        if (signal?.aborted || !isGamewardError(error, 'ERR_STOP_FAILED')) throw error;
        graceful = false;
      }
    }
    const graceMs = Math.max(0, ...services.map((s) => s.gracePeriodMs));
    await this.#removeStack(graceful ? signal : undefined, graceMs + FORCE_MARGIN_MS, !graceful);
    this.#watch.halted();
  }

  send(): Promise<void> {
    return Promise.reject(
      new GamewardError('ERR_UNSUPPORTED', 'swarm services have no console input', {
        instanceId: this.#config.id,
      }),
    );
  }

  async sample(): Promise<ResourceStats> {
    const board = this.#subscribe();
    const view = viewStack(await board.read(), this.#config.stackName, undefined);
    return sampleTasks(board.api, await this.#managerNode(board), view.live);
  }

  async release(): Promise<void> {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#board = undefined;
    for (const follower of this.#followers.values()) follower.close();
    this.#followers.clear();
    this.#waiter.close();
  }

  /** Subscribes to the manager's board (once) and reads it now. */
  async #read(signal: AbortSignal | undefined): Promise<StackView> {
    const board = this.#subscribe();
    const snapshot = await raceAbort(board.read(), signal, this.#config.id);
    return this.#onSnapshot(snapshot);
  }

  #subscribe(): TaskBoard {
    if (this.#board !== undefined) return this.#board;
    const board = TaskBoard.acquire(this.#host, this.#logger, this.#config.env);
    this.#board = board;
    const plane = this;
    this.#unsubscribe = board.subscribe({
      get urgent(): boolean {
        return plane.#watch.urgent || plane.#waiter.waiting;
      },
      update: (snapshot) => this.#onSnapshot(snapshot),
      failed: (error) => this.#onBoardError(error),
    });
    return board;
  }

  #onSnapshot(snapshot: BoardSnapshot): StackView {
    const view = viewStack(snapshot, this.#config.stackName, this.#config.services);
    this.#view = view;
    if (this.#unreachable) {
      this.#unreachable = false;
      this.#logger.info({ instanceId: this.#config.id }, 'swarm manager reachable again');
    }
    if (view.services.some((s) => s.tasks.length > 0) || view.live.length > 0)
      this.#expecting = false;
    this.#followAll(snapshot);
    this.#watch.update(view);
    if (view.waiting !== undefined && this.#watch.phase === 'starting') {
      this.#logger.debug({ instanceId: this.#config.id, waiting: view.waiting }, 'replica waits');
    }
    this.#waiter.update(view);
    return view;
  }

  #onBoardError(error: GamewardError): void {
    // No fact: the manager restarting says nothing about the tasks. The next good read catches up.
    if (this.#unreachable) return;
    this.#unreachable = true;
    this.#logger.warn({ instanceId: this.#config.id, err: error }, 'swarm manager unreachable');
  }

  /** One log follower per service of the stack (every service: output comes from all). */
  #followAll(snapshot: BoardSnapshot): void {
    const board = this.#board;
    if (board === undefined) return;
    const services = snapshot.services.filter((s) => s.stack === this.#config.stackName);
    for (const [id, follower] of this.#followers) {
      if (services.some((s) => s.id === id)) continue;
      // Removed: the stream ends by itself once the manager drops the service; stop reopening.
      this.#followers.delete(id);
      setTimeout(() => follower.close(), 1000).unref();
    }
    for (const service of services) {
      if (this.#followers.has(service.id)) continue;
      const follower: ServiceLogs = new ServiceLogs({
        api: board.api,
        instanceId: this.#config.id,
        serviceId: service.id,
        service: service.short,
        since: this.#logsSince,
        label: (taskId, nodeId) => this.#label(taskId, nodeId, service.global),
        exists: (): boolean => this.#followers.get(service.id) === follower,
        publish: (line) => this.#report?.line(line),
        logger: this.#logger,
      });
      this.#followers.set(service.id, follower);
      follower.start();
    }
  }

  /** A task's `OutputLine.task`: its replica slot, or its node for a global service. */
  async #label(taskId: string, nodeId: string, global: boolean): Promise<string> {
    if (global) return nodeId;
    const known = this.#board?.latest?.tasks.find((t) => t.id === taskId);
    if (known !== undefined) return String(known.slot);
    const api = this.#board?.api;
    if (api === undefined) return nodeId;
    const task = await api.request<{ Slot?: number }>('GET', `/tasks/${taskId}`);
    return typeof task.Slot === 'number' ? String(task.Slot) : nodeId;
  }

  #exited(service: string, task: TaskRecord | undefined): void {
    const follower = [...this.#followers.values()].find((f) =>
      this.#board?.latest?.services.some((s) => s.id === f.serviceId && s.short === service),
    );
    this.#report?.exited({
      exitCode: task?.exitCode,
      service: service === '' ? undefined : service,
      drained: follower?.quiet(),
    });
  }

  /**
   * `docker stack rm`, then waits until nothing of the stack is left on any node, within
   * `timeoutMs` (`ERR_STOP_FAILED` after it). `kill`: SIGKILL to what runs on the manager's node.
   */
  async #removeStack(
    signal: AbortSignal | undefined,
    timeoutMs: number,
    kill = false,
  ): Promise<void> {
    const board = this.#subscribe();
    await this.#cli.remove(signal);
    board.poke();
    if (kill)
      await killLocalTasks(board.api, await this.#managerNode(board), this.#view?.live ?? []);
    await this.#waiter.until(stackGone, board, timeoutMs, signal, this.#config);
    this.#expecting = false;
    await removeStackNetworks(board.api, this.#config.stackName);
  }

  /** The manager's own node id: the tasks there are the ones its engine can kill and sample. */
  #managerNode(board: TaskBoard): Promise<string | undefined> {
    this.#managerNodeId ??= board.api.request<{ Swarm?: { NodeID?: string } }>('GET', '/info').then(
      (info) => info.Swarm?.NodeID,
      () => undefined,
    );
    return this.#managerNodeId;
  }
}
