/** The compose project label: the one label key every compose container carries. */
export const PROJECT_LABEL = 'com.docker.compose.project';
/** The compose service label. */
export const SERVICE_LABEL = 'com.docker.compose.service';
const ONEOFF_LABEL = 'com.docker.compose.oneoff';

/**
 * Only what changes a container's state: the engine drops the rest, so a healthcheck's `exec_*`
 * events every interval never wake the host.
 */
export const CONTAINER_ACTIONS = [
  'create',
  'start',
  'die',
  'health_status',
  'pause',
  'unpause',
  'destroy',
] as const;

/** One container event of a compose project, as gameward uses it. */
export interface ContainerEvent {
  readonly id: string;
  /** create | start | die | health_status | pause | unpause | destroy */
  readonly action: string;
  readonly project: string;
  readonly service: string;
  readonly name: string;
  /** On `die`. */
  readonly exitCode?: number;
  /** On `health_status`: starting | healthy | unhealthy. */
  readonly health?: string;
  /** When the engine logged it, ms since the epoch (engine clock, microsecond precision). */
  readonly time: number;
}

/**
 * Parses one event of the `/events` stream (one JSON object per line); undefined when it is not a
 * compose service container's (one-off `compose run` containers carry the labels too).
 */
export function parseContainerEvent(line: string): ContainerEvent | undefined {
  let raw: RawEvent;
  try {
    raw = JSON.parse(line) as RawEvent;
  } catch {
    return undefined;
  }
  const attributes = raw.Actor?.Attributes ?? {};
  const project = attributes[PROJECT_LABEL];
  const service = attributes[SERVICE_LABEL];
  const id = raw.Actor?.ID ?? raw.id;
  const rawAction = raw.Action ?? raw.status;
  if (
    project === undefined ||
    service === undefined ||
    id === undefined ||
    rawAction === undefined
  ) {
    return undefined;
  }
  if (attributes[ONEOFF_LABEL] === 'True') return undefined;
  const [name = rawAction, detail] = rawAction.split(':').map((s) => s.trim());
  const action = normalizeAction(name);
  if (!isStateAction(action)) return undefined;
  const exitCode = attributes.exitCode === undefined ? undefined : Number(attributes.exitCode);
  // Read from the text: as a JSON number, timeNano is beyond double precision.
  const nanos = /"timeNano":\s*(\d+)/.exec(line)?.[1];
  const time = nanos !== undefined ? Number(BigInt(nanos) / 1000n) / 1000 : (raw.time ?? 0) * 1000;
  return {
    id,
    action,
    project,
    service,
    name: attributes.name ?? id,
    time,
    ...(exitCode !== undefined && Number.isInteger(exitCode) ? { exitCode } : {}),
    ...(action === 'health_status' && detail !== undefined ? { health: detail } : {}),
  };
}

/** A time in ms since the epoch as the API's `since`/`until`: seconds with nanoseconds. */
export function apiTime(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(9);
}

interface RawEvent {
  id?: string;
  status?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  time?: number;
}

/** Podman says `remove` where Docker says `destroy`; every other action keeps its name. */
export function normalizeAction(action: string): string {
  return action === 'remove' ? 'destroy' : action;
}

const STATE_ACTIONS: ReadonlySet<string> = new Set(CONTAINER_ACTIONS);

/** True for the actions that change a container's state (what the hub routes). */
export function isStateAction(action: string): boolean {
  return STATE_ACTIONS.has(action);
}
