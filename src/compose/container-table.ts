import type { ListedContainer } from '../engine/containers.js';
import type { ContainerEvent } from '../engine/events.js';

/** What gameward knows about one container of the project. */
export interface ContainerInfo {
  /** The container id as the engine gives it (full in events and inspect). */
  readonly id: string;
  readonly name: string;
  readonly service: string;
  /** created | running | restarting | paused | exited | dead | removing */
  readonly status: string;
  /** '' (no healthcheck or not running) | starting | healthy | unhealthy */
  readonly health: string;
  /** undefined until a snapshot or a health event said so. */
  readonly hasHealthcheck: boolean | undefined;
  /** The last exit code (ps says 0 while a container restarts; events and inspect do not). */
  readonly exitCode: number | undefined;
  /** When its current run began, ms since the epoch on the engine's clock. */
  readonly startedAt: number | undefined;
  /** When its previous run ended (engine clock): its log lines after this are the current run's. */
  readonly finishedAt: number | undefined;
  /** Its last start, exit or event (engine clock): older events are stale. */
  readonly since: number;
}

/** What changed when an event was applied. */
export type TableChange =
  | {
      readonly kind: 'start';
      readonly container: ContainerInfo;
      readonly known: boolean;
      /** It was running already: its death was missed (an engine restart, a lost stream). */
      readonly missedDeath: boolean;
    }
  | { readonly kind: 'die'; readonly container: ContainerInfo }
  | { readonly kind: 'health'; readonly container: ContainerInfo }
  | { readonly kind: 'other'; readonly container: ContainerInfo | undefined };

const key = (id: string): string => id.slice(0, 12);

/** Statuses in which a container still has processes. */
export const LIVE_STATUSES: ReadonlySet<string> = new Set(['running', 'restarting', 'paused']);

/**
 * The containers of one compose project, seeded by snapshots (one list call, inspect where times are needed) and kept current
 * by engine events (through the engine's shared events hub). Events older than what a snapshot already knew are ignored, and a snapshot
 * never overwrites what an event delivered while it was being taken, so neither source moves a
 * container back in time.
 */
export class ContainerTable {
  #entries = new Map<string, { info: ContainerInfo; seq: number }>();
  // Counts applied events: tells a snapshot which entries changed while it was in flight.
  #seq = 0;

  /** Every container, in no particular order. */
  all(): ContainerInfo[] {
    return [...this.#entries.values()].map((e) => e.info);
  }

  /** The containers of the selected services (all of them when `services` is undefined). */
  selected(services: readonly string[] | undefined): ContainerInfo[] {
    return this.all().filter((c) => services === undefined || services.includes(c.service));
  }

  /** True when any container of the project still runs (or restarts, or is paused). */
  anyLive(): boolean {
    return this.all().some((c) => LIVE_STATUSES.has(c.status));
  }

  get(id: string): ContainerInfo | undefined {
    return this.#entries.get(key(id))?.info;
  }

  /** A mark to pass to {@link merge}: take it before the snapshot's `ps`. */
  mark(): number {
    return this.#seq;
  }

  /**
   * Folds in a snapshot begun at `mark`. An entry an event changed since then keeps the event's
   * view when that event is newer than the container's last start or exit in the snapshot. What
   * a list cannot say (start and exit times, a stopped container's healthcheck) is kept from
   * before.
   */
  merge(snapshot: readonly ContainerInfo[], mark: number): void {
    const next = new Map<string, { info: ContainerInfo; seq: number }>();
    for (const fresh of snapshot) {
      const current = this.#entries.get(key(fresh.id));
      const info: ContainerInfo =
        current === undefined
          ? fresh
          : {
              ...fresh,
              hasHealthcheck: fresh.hasHealthcheck ?? current.info.hasHealthcheck,
              startedAt: fresh.startedAt ?? current.info.startedAt,
              finishedAt: fresh.finishedAt ?? current.info.finishedAt,
              since: Math.max(fresh.since, current.info.since),
            };
      const keep = current !== undefined && current.seq > mark && current.info.since >= info.since;
      next.set(
        key(info.id),
        keep
          ? { info: { ...current.info, hasHealthcheck: info.hasHealthcheck }, seq: current.seq }
          : { info, seq: 0 },
      );
    }
    for (const [k, entry] of this.#entries) {
      if (!next.has(k) && entry.seq > mark) next.set(k, entry);
    }
    this.#entries = next;
  }

  /** Replaces the given containers' entries (from inspect) unless an event changed them since `mark`. */
  refine(infos: readonly ContainerInfo[], mark: number): void {
    for (const info of infos) {
      const current = this.#entries.get(key(info.id));
      if (current === undefined || current.seq > mark) continue;
      this.#entries.set(key(info.id), { info, seq: current.seq });
    }
  }

  clear(): void {
    this.#entries.clear();
  }

  /** Applies one engine event; undefined when it was stale or changed nothing. */
  apply(event: ContainerEvent): TableChange | undefined {
    const k = key(event.id);
    const previous = this.#entries.get(k)?.info;
    if (previous !== undefined && event.time < previous.since) return undefined;
    const base: ContainerInfo = previous ?? {
      id: event.id,
      name: event.name,
      service: event.service,
      status: 'created',
      health: '',
      hasHealthcheck: undefined,
      exitCode: undefined,
      startedAt: undefined,
      finishedAt: undefined,
      since: 0,
    };
    const changed = nextInfo(base, event);
    this.#seq += 1;
    if (changed === undefined) {
      if (previous === undefined) return undefined;
      this.#entries.delete(k);
      return { kind: 'other', container: undefined };
    }
    // Every applied event moves `since`, so a later snapshot cannot undo it.
    const next = { ...changed, since: Math.max(base.since, event.time) };
    this.#entries.set(k, { info: next, seq: this.#seq });
    const missedDeath = event.action === 'start' && isNewRun(previous, event.time);
    if (previous !== undefined && !missedDeath && sameInfo(previous, next)) return undefined;
    if (event.action === 'start') {
      return { kind: 'start', container: next, known: previous !== undefined, missedDeath };
    }
    if (event.action === 'die') return { kind: 'die', container: next };
    if (event.action === 'health_status') return { kind: 'health', container: next };
    return { kind: 'other', container: next };
  }
}

// Inspect's StartedAt precedes the start event's time by a little: only a later start is a new run.
const SAME_RUN_MS = 1000;

/** A start of a container known to be running, well after its known start: a death was missed. */
function isNewRun(previous: ContainerInfo | undefined, time: number): boolean {
  if (previous?.status !== 'running' || previous.startedAt === undefined) return false;
  return time - previous.startedAt > SAME_RUN_MS;
}

function nextInfo(c: ContainerInfo, e: ContainerEvent): ContainerInfo | undefined {
  switch (e.action) {
    case 'create':
      return { ...c, status: 'created' };
    case 'start':
      // Docker resets the health of a (re)started container to `starting`.
      return {
        ...c,
        status: 'running',
        health: c.hasHealthcheck === true ? 'starting' : '',
        startedAt: e.time,
      };
    case 'die':
      return {
        ...c,
        status: 'exited',
        health: '',
        exitCode: e.exitCode ?? c.exitCode,
        finishedAt: e.time,
      };
    case 'health_status':
      return e.health === undefined ? c : { ...c, health: e.health, hasHealthcheck: true };
    case 'pause':
      return { ...c, status: 'paused' };
    case 'unpause':
      return { ...c, status: 'running' };
    case 'destroy':
      return undefined;
    default:
      return c;
  }
}

// startedAt is left out: a replayed start of the run a snapshot already saw is no change.
function sameInfo(a: ContainerInfo, b: ContainerInfo): boolean {
  return (
    a.status === b.status &&
    a.health === b.health &&
    a.exitCode === b.exitCode &&
    a.hasHealthcheck === b.hasHealthcheck
  );
}

/** Builds a {@link ContainerInfo} from one list entry (no start or exit times: `since` 0). */
export function fromListed(c: ListedContainer): ContainerInfo {
  return {
    id: c.id,
    name: c.name,
    service: c.service,
    status: c.status,
    health: c.health,
    hasHealthcheck: c.hasHealthcheck,
    exitCode: c.exitCode,
    startedAt: undefined,
    finishedAt: undefined,
    since: 0,
  };
}

/** Builds a {@link ContainerInfo} from one `docker inspect` object; undefined if it is not one. */
export function fromInspect(raw: unknown): ContainerInfo | undefined {
  const o = raw as InspectShape | null;
  const id = o?.Id;
  const service = o?.Config?.Labels?.['com.docker.compose.service'];
  if (typeof id !== 'string' || typeof service !== 'string') return undefined;
  const state = o?.State ?? {};
  const test = o?.Config?.Healthcheck?.Test;
  const hasHealthcheck = Array.isArray(test) && test.length > 0 && test[0] !== 'NONE';
  const startedAt = engineTime(state.StartedAt);
  const finishedAt = engineTime(state.FinishedAt);
  return {
    id,
    name: (o?.Name ?? id).replace(/^\//, ''),
    service,
    status: typeof state.Status === 'string' ? state.Status : 'created',
    health: state.Health?.Status ?? '',
    hasHealthcheck,
    exitCode: typeof state.ExitCode === 'number' ? state.ExitCode : undefined,
    startedAt,
    finishedAt,
    since: Math.max(startedAt ?? 0, finishedAt ?? 0),
  };
}

/** An engine timestamp (RFC 3339 with nanoseconds) in ms since the epoch, keeping microseconds. */
export function engineTime(value: string | undefined): number | undefined {
  if (value === undefined || value.startsWith('0001-')) return undefined;
  const match = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(value);
  if (match === null) return undefined;
  const whole = Date.parse(`${match[1]}${match[3]}`);
  if (Number.isNaN(whole)) return undefined;
  const fraction = Number(`0.${(match[2] ?? '0').padEnd(9, '0').slice(0, 9)}`);
  return whole + Math.round(fraction * 1e6) / 1e3;
}

interface InspectShape {
  Id?: string;
  Name?: string;
  Config?: { Labels?: Record<string, string>; Healthcheck?: { Test?: string[] } };
  State?: {
    Status?: string;
    ExitCode?: number;
    StartedAt?: string;
    FinishedAt?: string;
    Health?: { Status?: string };
  };
}
