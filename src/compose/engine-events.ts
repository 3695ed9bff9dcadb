import type { Logger } from '../logger.js';
import { type LineChild, type LineChildExit, spawnLineChild } from './line-child.js';

/** One container event of the project, as gameward uses it. */
export interface ContainerEvent {
  readonly id: string;
  /** create | start | die | health_status | pause | unpause | destroy | ... */
  readonly action: string;
  readonly service: string;
  readonly name: string;
  /** On `die`. */
  readonly exitCode?: number;
  /** On `health_status`: starting | healthy | unhealthy. */
  readonly health?: string;
  /** When the engine logged it, ms since the epoch (engine clock, microsecond precision). */
  readonly time: number;
}

// Only what changes a container's state: the engine drops the rest (healthcheck exec_* events
// every interval would otherwise wake the host for nothing).
const ACTIONS = ['create', 'start', 'die', 'health_status', 'pause', 'unpause', 'destroy'];
const FIRST_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 8000;
// A stream that lived this long was healthy: the next failure starts the backoff afresh.
const STABLE_MS = 10_000;

/** Options of {@link EngineEvents}. */
export interface EngineEventsInit {
  readonly instanceId: string;
  readonly docker: string;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly projectName: string;
  readonly logger: Logger;
  readonly onEvent: (event: ContainerEvent) => void;
  /** The stream was re-established after it ended: the state must be re-synced with a snapshot. */
  readonly onReconnect: () => void;
}

/**
 * The one long-lived child of a watched stack: `docker events` filtered by the project's label.
 * `--since` makes the engine replay what happened from the given moment, so the subscription
 * dates from before the snapshot that follows it, and a stream re-established after an engine
 * restart resumes from its last event. Cancellable: {@link close} ends the process.
 */
export class EngineEvents {
  readonly #init: EngineEventsInit;
  #child: LineChild | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #backoffMs = FIRST_BACKOFF_MS;
  #resumeFrom: number;

  /** Starts streaming events from `sinceMs` (ms since the epoch). */
  constructor(init: EngineEventsInit, sinceMs: number) {
    this.#init = init;
    this.#resumeFrom = sinceMs;
    this.#spawn(false);
  }

  /** The pid of the `docker events` process, while one runs. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Ends the stream for good; resolves once the process is gone. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#child?.stop();
  }

  #spawn(reconnect: boolean): void {
    const init = this.#init;
    const startedAt = Date.now();
    const filters = [
      'type=container',
      `label=com.docker.compose.project=${init.projectName}`,
      ...ACTIONS.map((a) => `event=${a}`),
    ];
    this.#child = spawnLineChild({
      file: init.docker,
      args: [
        'events',
        '--since',
        (this.#resumeFrom / 1000).toFixed(6),
        ...filters.flatMap((f) => ['--filter', f]),
        '--format',
        '{{json .}}',
      ],
      cwd: init.cwd,
      env: init.env,
      onLine: (text, stream) => {
        // Lines still in the pipe when close() ended the stream belong to no one.
        if (stream === 'stderr' || this.#closed) return;
        const event = parseEngineEvent(text);
        if (event === undefined) return;
        this.#resumeFrom = Math.max(this.#resumeFrom, event.time);
        init.onEvent(event);
      },
      onExit: (exit) => this.#onExit(exit, startedAt),
    });
    if (reconnect) init.onReconnect();
  }

  #onExit(exit: LineChildExit, startedAt: number): void {
    if (this.#closed || exit.stopped) return;
    if (Date.now() - startedAt >= STABLE_MS) this.#backoffMs = FIRST_BACKOFF_MS;
    const delayMs = this.#backoffMs;
    this.#backoffMs = Math.min(MAX_BACKOFF_MS, this.#backoffMs * 2);
    this.#init.logger.warn(
      { instanceId: this.#init.instanceId, exitCode: exit.exitCode, stderr: exit.stderr, delayMs },
      'docker events ended; re-establishing',
    );
    this.#child = undefined;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (!this.#closed) this.#spawn(true);
    }, delayMs);
  }
}

/** Parses one line of `docker events --format '{{json .}}'`; undefined when it is not ours. */
export function parseEngineEvent(line: string): ContainerEvent | undefined {
  let raw: RawEvent;
  try {
    raw = JSON.parse(line) as RawEvent;
  } catch {
    return undefined;
  }
  const attributes = raw.Actor?.Attributes ?? {};
  const service = attributes['com.docker.compose.service'];
  const id = raw.Actor?.ID ?? raw.id;
  const rawAction = raw.Action ?? raw.status;
  // One-off `compose run` containers carry the service label too, but are not the service.
  if (service === undefined || id === undefined || rawAction === undefined) return undefined;
  if (attributes['com.docker.compose.oneoff'] === 'True') return undefined;
  const [action = rawAction, detail] = rawAction.split(':').map((s) => s.trim());
  const exitCode = attributes.exitCode === undefined ? undefined : Number(attributes.exitCode);
  // Read from the text: as a JSON number, timeNano is beyond double precision.
  const nanos = /"timeNano":\s*(\d+)/.exec(line)?.[1];
  const time = nanos !== undefined ? Number(BigInt(nanos) / 1000n) / 1000 : (raw.time ?? 0) * 1000;
  return {
    id,
    action,
    service,
    name: attributes.name ?? id,
    time,
    ...(exitCode !== undefined && Number.isInteger(exitCode) ? { exitCode } : {}),
    ...(action === 'health_status' && detail !== undefined ? { health: detail } : {}),
  };
}

interface RawEvent {
  id?: string;
  status?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  time?: number;
}
