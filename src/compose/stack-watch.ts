import type { ListedContainer } from '../engine/containers.js';
import { inspectContainer, listComposeContainers } from '../engine/containers.js';
import type { HubSubscriber } from '../engine/event-hub.js';
import type { ContainerEvent } from '../engine/events.js';
import { healthNeedsInspect } from '../engine/flavor.js';
import { PodmanHealthDriver } from '../engine/podman-health.js';
import type { Engine } from '../engine/registry.js';
import type { Logger } from '../logger.js';
import type { OutputLine } from '../supervisor.js';
import {
  type ContainerInfo,
  ContainerTable,
  fromInspect,
  fromListed,
  type TableChange,
} from './container-table.js';
import type { NormalizedComposeConfig } from './options.js';
import { StackLogs } from './stack-logs.js';

/** What the watch tells its plane. Called from stream callbacks. */
export interface WatchFacts {
  /** An event changed a container of the project. */
  change(change: TableChange): void;
  /** The events stream came back and the table was re-synced with this list. */
  resynced(listed: readonly ListedContainer[]): void;
  /** The events stream was lost. */
  lost(): void;
}

/** Options of {@link StackWatch}. */
export interface StackWatchInit {
  readonly config: NormalizedComposeConfig;
  readonly engine: Engine;
  readonly logger: Logger;
  readonly publish: (line: OutputLine) => void;
  readonly facts: WatchFacts;
}

/**
 * What the plane knows of its project while it watches it: the container table, fed by the
 * engine's shared events hub (subscribed first) and by list calls; and the log streams. Closed,
 * it holds nothing: no subscription, no stream, an empty table.
 */
export class StackWatch implements HubSubscriber {
  readonly project: string;
  readonly timeoutMs: number;
  readonly table = new ContainerTable();
  readonly logs: StackLogs;
  readonly #init: StackWatchInit;
  // Podman without systemd runs no healthcheck by itself: this runs them (docs/podman.md).
  readonly #health: PodmanHealthDriver;
  #unsubscribe: (() => void) | undefined;

  constructor(init: StackWatchInit) {
    this.#init = init;
    this.project = init.config.projectName;
    this.timeoutMs = init.config.engineTimeoutMs;
    this.logs = new StackLogs({
      instanceId: init.config.id,
      // Read at use: a remote host's engine connects on first use, not at construction.
      get client() {
        return init.engine.client;
      },
      timeoutMs: init.config.engineTimeoutMs,
      flavor: () => init.engine.hub.flavor,
      logger: init.logger,
      publish: init.publish,
    });
    this.#health = new PodmanHealthDriver({
      get client() {
        return init.engine.client;
      },
      timeoutMs: init.config.engineTimeoutMs,
      failed: (id, err) =>
        init.logger.debug({ instanceId: init.config.id, id, err }, 'podman healthcheck failed'),
    });
  }

  get watching(): boolean {
    return this.#unsubscribe !== undefined;
  }

  /** Subscribes to the hub (the engine's one events stream), unless subscribed. */
  open(): void {
    this.#unsubscribe ??= this.#init.engine.hub.subscribe(this);
  }

  /** Resolves once the events stream is open: a list taken then misses no event. */
  ready(signal: AbortSignal): Promise<void> {
    return this.#init.engine.hub.whenOpen({ signal, timeoutMs: this.#init.config.engineTimeoutMs });
  }

  /** One list call of the project, merged into the table. */
  async sync(signal?: AbortSignal): Promise<void> {
    const mark = this.table.mark();
    const listed = await listComposeContainers(
      this.#init.engine.client,
      this.project,
      { signal, timeoutMs: this.#init.config.engineTimeoutMs },
      this.#init.engine.hub.flavor,
    );
    if (!this.watching) return;
    this.table.merge(listed.map(fromListed), mark);
    // Podman's list never shows a health (`Up 3 seconds`, no `(healthy)`): only inspect does.
    const running = this.table.all().filter((c) => c.status === 'running');
    if (this.#onPodman() && running.length > 0) await this.inspect(running, signal);
  }

  /** Inspects the given containers (start and exit times, healthchecks) into the table. */
  async inspect(
    containers: readonly ContainerInfo[],
    signal?: AbortSignal,
  ): Promise<ContainerInfo[]> {
    const mark = this.table.mark();
    const call = { signal, timeoutMs: this.#init.config.engineTimeoutMs };
    const raw = await Promise.all(
      containers.map((c) => inspectContainer(this.#init.engine.client, c.id, call)),
    );
    const infos = raw.flatMap((r) => {
      const info = fromInspect(r);
      return info === undefined ? [] : [info];
    });
    if (this.watching) {
      this.table.refine(infos, mark);
      if (this.#onPodman()) for (const [i, r] of raw.entries()) this.#drive(containers[i]?.id, r);
    }
    return infos;
  }

  /** Ends the subscription and the log streams, forgets the table. Idempotent. */
  close(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.logs.stopAll();
    this.#health.stopAll();
    this.table.clear();
  }

  // ---- HubSubscriber: called by the hub, never throws into it ---------------------------------

  event(event: ContainerEvent): void {
    const change = this.table.apply(event);
    if (change !== undefined) this.#guard('engine event', () => this.#init.facts.change(change));
    if (healthNeedsInspect(event.action, event.health)) this.#inspectHealth(event.id);
    if (this.#onPodman()) {
      if (event.action === 'start') void this.#health.consider(event.id);
      else if (event.action === 'die' || event.action === 'destroy') this.#health.drop(event.id);
    }
  }

  #onPodman(): boolean {
    return this.#init.engine.hub.flavor === 'podman';
  }

  #drive(id: string | undefined, raw: unknown): void {
    if (id !== undefined && raw !== undefined) this.#health.drive(id, raw);
  }

  /** Podman's `health_status` event carries no status: inspect tells it, then the facts. */
  #inspectHealth(id: string): void {
    const known = this.table.get(id);
    if (known === undefined) return;
    const before = known.health;
    this.inspect([known]).then(
      ([info]) => {
        if (info === undefined || info.health === before) return;
        this.#guard('health', () => this.#init.facts.change({ kind: 'health', container: info }));
      },
      (error: unknown) =>
        this.#init.logger.debug({ instanceId: this.#init.config.id, err: error }, 'inspect failed'),
    );
  }

  resync(containers: readonly ListedContainer[]): void {
    this.table.merge(containers.map(fromListed), this.table.mark());
    if (this.#onPodman()) {
      for (const c of containers) if (c.status === 'running') void this.#health.consider(c.id);
    }
    this.#guard('resync', () => this.#init.facts.resynced(containers));
  }

  lost(error: Error): void {
    this.#init.logger.warn(
      { instanceId: this.#init.config.id, err: error },
      'engine events stream lost; re-establishing',
    );
    // Their streams ended with the connection: the resync follows the running containers anew.
    this.logs.forget();
    this.#guard('stream loss', () => this.#init.facts.lost());
  }

  #guard(what: string, run: () => void): void {
    try {
      run();
    } catch (error) {
      this.#init.logger.error({ instanceId: this.#init.config.id, err: error }, `${what} failed`);
    }
  }
}
