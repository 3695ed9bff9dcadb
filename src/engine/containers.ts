import type { CallOptions, EngineClient } from './client.js';
import { PROJECT_LABEL, SERVICE_LABEL } from './events.js';
import type { EngineFlavor } from './flavor.js';

/** One compose container as the list call shows it. */
export interface ListedContainer {
  readonly id: string;
  readonly name: string;
  readonly project: string;
  readonly service: string;
  /** created | running | restarting | paused | exited | dead | removing */
  readonly status: string;
  /** '' (no healthcheck, or not running) | starting | healthy | unhealthy */
  readonly health: string;
  /** Whether the status shows a healthcheck (only a running container's does). */
  readonly hasHealthcheck: boolean | undefined;
  /** The last exit code, from "Exited (N) ..." or "Restarting (N) ...". */
  readonly exitCode: number | undefined;
  /** How long it has run at least, from "Up 5 minutes" (undefined when the status does not say). */
  readonly upForMs: number | undefined;
}

interface RawListed {
  Id?: string;
  Names?: string[];
  State?: string;
  Status?: string;
  Labels?: Record<string, string>;
}

/**
 * Every container of the compose projects in one call: of `project`, or of every project when
 * it is undefined (the label key alone; the engine ANDs label filters, so a filter per project
 * could not ask for several). One-off `compose run` containers are left out.
 */
export async function listComposeContainers(
  client: EngineClient,
  project: string | undefined,
  call: CallOptions,
  flavor: EngineFlavor = 'docker',
): Promise<ListedContainer[]> {
  const raw = await client.json<RawListed[]>(
    'GET',
    '/containers/json',
    { all: true, filters: listFilters(flavor, project) },
    call,
  );
  return (Array.isArray(raw) ? raw : []).flatMap((r) => {
    const listed = fromListEntry(r, flavor);
    return listed === undefined ? [] : [listed];
  });
}

/**
 * The list call's filters: the project's label, or the label key for every project. A key-only
 * label filter works on the list endpoint of Docker and podman alike (unlike podman's events),
 * so `flavor` changes nothing here today.
 */
export function listFilters(
  _flavor: EngineFlavor,
  project: string | undefined,
): Record<string, string[]> {
  return { label: [project === undefined ? PROJECT_LABEL : `${PROJECT_LABEL}=${project}`] };
}

/**
 * One list entry; undefined when it is not a compose service container. Podman's status never
 * shows a health (`Up 3 seconds`, no `(healthy)`), so on podman whether a running container has
 * a healthcheck is left unknown: an inspect tells.
 */
export function fromListEntry(
  raw: RawListed,
  flavor: EngineFlavor = 'docker',
): ListedContainer | undefined {
  const labels = raw.Labels ?? {};
  const project = labels[PROJECT_LABEL];
  const service = labels[SERVICE_LABEL];
  if (typeof raw.Id !== 'string' || project === undefined || service === undefined)
    return undefined;
  if (labels['com.docker.compose.oneoff'] === 'True') return undefined;
  const text = raw.Status ?? '';
  const health = healthOfStatus(text);
  return {
    id: raw.Id,
    name: (raw.Names?.[0] ?? raw.Id).replace(/^\//, ''),
    project,
    service,
    status: (raw.State ?? 'created').toLowerCase(),
    health,
    hasHealthcheck: raw.State === 'running' && flavor === 'docker' ? health !== '' : undefined,
    exitCode: exitCodeOfStatus(text),
    upForMs: uptimeOfStatus(text),
  };
}

const UNIT_MS: Readonly<Record<string, number>> = {
  second: 1000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 604_800_000,
  month: 2_592_000_000,
  year: 31_536_000_000,
};

/**
 * A lower bound of a running container's uptime from the list's status, the engine's rounded
 * human form: `Up 5 minutes (healthy)` → 300000, `Up About an hour` → 3600000, `Up Less than a
 * second` → 0. Undefined when the status says nothing readable (not running, another engine).
 */
export function uptimeOfStatus(status: string): number | undefined {
  const match = /^Up (Less than a second|About an? (\w+)|(\d+) (\w+?)s?)(?: |$)/.exec(status);
  if (match === null) return undefined;
  if (match[1] === 'Less than a second') return 0;
  const unit = UNIT_MS[match[2] ?? match[4] ?? ''];
  if (unit === undefined) return undefined;
  return match[3] === undefined ? unit : Number(match[3]) * unit;
}

/** `Up 3 seconds (health: starting)` → starting; `(healthy)`, `(unhealthy)`; '' without one. */
export function healthOfStatus(status: string): string {
  const match = /\((healthy|unhealthy|health: starting)\)/.exec(status);
  if (match === null) return '';
  return match[1] === 'health: starting' ? 'starting' : (match[1] ?? '');
}

/** `Exited (137) 2 seconds ago` → 137; undefined when the status has no code. */
export function exitCodeOfStatus(status: string): number | undefined {
  const match = /^(?:Exited|Restarting) \((-?\d+)\)/.exec(status);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** The inspect object of one container; undefined when it is gone. */
export async function inspectContainer(
  client: EngineClient,
  id: string,
  call: CallOptions,
): Promise<unknown> {
  try {
    return await client.json<unknown>(
      'GET',
      `/containers/${encodeURIComponent(id)}/json`,
      {},
      call,
    );
  } catch (error) {
    if ((error as { kind?: unknown }).kind === 'not-found') return undefined;
    throw error;
  }
}
