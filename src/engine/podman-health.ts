import type { EngineClient } from './client.js';
import { inspectContainer } from './containers.js';

/** Docker's default healthcheck interval and timeout, which podman applies too. */
const DEFAULT_INTERVAL_MS = 30_000;
const DEFAULT_CHECK_TIMEOUT_MS = 30_000;
/** Libpod's endpoints answer only under a version prefix; any 4.x one serves 4.3. */
const LIBPOD = '/v4.0.0/libpod';

interface RawHealthConfig {
  Config?: { Healthcheck?: { Test?: string[]; Interval?: number; Timeout?: number } };
  State?: { Running?: boolean };
}

/** What a {@link PodmanHealthDriver} needs besides its engine. */
export interface PodmanHealthInit {
  readonly client: EngineClient;
  /** The bound of one inspect; a check gets its healthcheck timeout on top. */
  readonly timeoutMs: number;
  /** A call that failed for another reason than the container being gone (for a debug log). */
  readonly failed: (id: string, error: unknown) => void;
}

interface Watched {
  readonly timer: NodeJS.Timeout;
  readonly abort: AbortController;
  busy: boolean;
}

/**
 * Runs the healthchecks of running containers on podman, which schedules them with systemd
 * timers and so never runs one without systemd (docs/podman.md): libpod's
 * `GET /libpod/containers/{id}/healthcheck` runs one check, updates `State.Health` and emits the
 * `health_status` event, as podman's own timer would. One timer per watched container, at its
 * healthcheck's interval, one call in flight at a time; a container that is gone or no longer
 * runs is dropped at its next call, and {@link stopAll} ends everything. Nothing watched, no timer.
 */
export class PodmanHealthDriver {
  readonly #init: PodmanHealthInit;
  readonly #watched = new Map<string, Watched>();
  // Containers being inspected now: a second start event does not inspect them twice.
  readonly #pending = new Set<string>();
  #stopped = new AbortController();

  constructor(init: PodmanHealthInit) {
    this.#init = init;
  }

  /** How many containers have a timer now. */
  get size(): number {
    return this.#watched.size;
  }

  /** Inspects `id` and drives its healthcheck if it has one and runs. Never throws. */
  async consider(id: string): Promise<void> {
    if (this.#watched.has(id) || this.#pending.has(id)) return;
    this.#pending.add(id);
    const stopped = this.#stopped.signal;
    try {
      const raw = (await inspectContainer(this.#init.client, id, {
        signal: stopped,
        timeoutMs: this.#init.timeoutMs,
      })) as RawHealthConfig | undefined;
      if (!stopped.aborted && raw !== undefined) this.drive(id, raw);
    } catch (error) {
      if (!stopped.aborted) this.#init.failed(id, error);
    } finally {
      this.#pending.delete(id);
    }
  }

  /** Drives the healthcheck of `id` given its inspect object (no I/O here). */
  drive(id: string, raw: unknown): void {
    const config = (raw as RawHealthConfig | null)?.Config?.Healthcheck;
    const test = config?.Test;
    const running = (raw as RawHealthConfig | null)?.State?.Running === true;
    if (!running || !Array.isArray(test) || test.length === 0 || test[0] === 'NONE') return;
    if (this.#watched.has(id)) return;
    const intervalMs = positiveMs(config?.Interval) ?? DEFAULT_INTERVAL_MS;
    const checkMs = positiveMs(config?.Timeout) ?? DEFAULT_CHECK_TIMEOUT_MS;
    const abort = new AbortController();
    // As podman's own timer: the first check one interval after the start.
    const timer = setInterval(() => void this.#check(id, checkMs), intervalMs);
    timer.unref();
    this.#watched.set(id, { timer, abort, busy: false });
  }

  /** Stops driving `id` (it died or went away). */
  drop(id: string): void {
    const watched = this.#watched.get(id);
    if (watched === undefined) return;
    clearInterval(watched.timer);
    watched.abort.abort();
    this.#watched.delete(id);
  }

  /** Stops every timer and call in flight; the driver can be used again afterwards. */
  stopAll(): void {
    for (const id of [...this.#watched.keys()]) this.drop(id);
    this.#stopped.abort();
    this.#stopped = new AbortController();
  }

  async #check(id: string, checkMs: number): Promise<void> {
    const watched = this.#watched.get(id);
    if (watched === undefined || watched.busy) return;
    watched.busy = true;
    try {
      await this.#init.client.json(
        'GET',
        `${LIBPOD}/containers/${encodeURIComponent(id)}/healthcheck`,
        {},
        { signal: watched.abort.signal, timeoutMs: checkMs + this.#init.timeoutMs },
      );
    } catch (error) {
      if (watched.abort.signal.aborted) return;
      // Gone (404) or refused (409 not running, no healthcheck): nothing more to drive.
      const kind = (error as { kind?: unknown }).kind;
      if (kind === 'not-found' || kind === 'failed') this.drop(id);
      else this.#init.failed(id, error);
    } finally {
      watched.busy = false;
    }
  }
}

/** Nanoseconds (the API's durations) in ms; undefined for a missing or zero one (the default). */
function positiveMs(ns: number | undefined): number | undefined {
  return typeof ns === 'number' && ns > 0 ? Math.max(1, Math.round(ns / 1e6)) : undefined;
}
