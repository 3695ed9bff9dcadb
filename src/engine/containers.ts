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
    const listed = fromListEntry(r);
    return listed === undefined ? [] : [listed];
  });
}

/**
 * The list call's filters. Podman matches a key-only label filter against nothing, so listing
 * every project there lists every container and the entries without the label are dropped here.
 */
export function listFilters(
  flavor: EngineFlavor,
  project: string | undefined,
): Record<string, string[]> {
  if (project !== undefined) return { label: [`${PROJECT_LABEL}=${project}`] };
  return flavor === 'podman' ? {} : { label: [PROJECT_LABEL] };
}

/** One list entry; undefined when it is not a compose service container. */
export function fromListEntry(raw: RawListed): ListedContainer | undefined {
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
    hasHealthcheck: raw.State === 'running' ? health !== '' : undefined,
    exitCode: exitCodeOfStatus(text),
  };
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
