/** The label swarm puts on every service, task and network of a stack: the stack's name. */
export const STACK_LABEL = 'com.docker.stack.namespace';

/** Task states that end a task: nothing of it runs any more (moby `api/types/swarm/task.go`). */
const TERMINAL = new Set(['complete', 'shutdown', 'failed', 'rejected', 'orphaned', 'remove']);

/** One swarm task, as much of it as gameward reads. */
export interface TaskRecord {
  readonly id: string;
  readonly serviceId: string;
  /** The stack it belongs to (its namespace label). */
  readonly stack: string;
  /** Replica slot (replicated services); 0 for global ones. */
  readonly slot: number;
  /** Empty while unassigned. Nodes are told apart by id: here both are named "vm". */
  readonly nodeId: string;
  /** What swarm wants: running, shutdown, remove... */
  readonly desired: string;
  /** What the node reported: new ... starting, running, complete, failed... */
  readonly state: string;
  /** `Status.ContainerStatus.ExitCode` once the task ended (-1 while it is being shut down). */
  readonly exitCode: number | undefined;
  readonly containerId: string | undefined;
  /** `Status.Err`: "no suitable node (...)", "task: non-zero exit (3)"... */
  readonly error: string | undefined;
  /** When the state was reported, ms since the epoch. */
  readonly since: number;
  readonly createdAt: number;
}

/** One service of a stack. */
export interface ServiceRecord {
  readonly id: string;
  /** `<stack>_<service>` */
  readonly name: string;
  readonly stack: string;
  /** The service's name in the stack file. */
  readonly short: string;
  /** Replicas wanted: the replicated count, or for global services the manager's DesiredTasks. */
  readonly desired: number | undefined;
  readonly global: boolean;
  /** The stop grace period in ms (swarm's default 10 s when the file gives none). */
  readonly gracePeriodMs: number;
}

/** A node's availability, by id. */
export interface NodeRecord {
  readonly id: string;
  /** ready, down, unknown, disconnected */
  readonly state: string;
}

/** True when nothing of the task runs (it ended, or was never started). */
export function isTerminal(task: TaskRecord): boolean {
  return TERMINAL.has(task.state);
}

/** True when the container of the task may be running (it has started and not ended). */
export function hasStarted(task: TaskRecord): boolean {
  return task.state === 'starting' || task.state === 'running';
}

/** True when the task is up: wanted running and running (healthy, where it has a healthcheck). */
export function isUp(task: TaskRecord): boolean {
  return task.desired === 'running' && task.state === 'running';
}

type Json = Record<string, unknown>;
const obj = (value: unknown): Json =>
  typeof value === 'object' && value !== null ? (value as Json) : {};
const str = (value: unknown): string => (typeof value === 'string' ? value : '');
const time = (value: unknown): number => {
  const ms = Date.parse(str(value));
  return Number.isNaN(ms) ? 0 : ms;
};

/** A task of `GET /tasks`. */
export function toTask(raw: unknown): TaskRecord {
  const t = obj(raw);
  const status = obj(t.Status);
  const container = obj(status.ContainerStatus);
  const state = str(status.State);
  const code = container.ExitCode;
  return {
    id: str(t.ID),
    serviceId: str(t.ServiceID),
    stack:
      str(obj(obj(obj(t.Spec).ContainerSpec).Labels)[STACK_LABEL]) ||
      str(obj(t.Labels)[STACK_LABEL]),
    slot: typeof t.Slot === 'number' ? t.Slot : 0,
    nodeId: str(t.NodeID),
    desired: str(t.DesiredState),
    state,
    // The code means something only once the task ended in a way that has one.
    exitCode:
      typeof code === 'number' &&
      (state === 'failed' || state === 'complete' || state === 'shutdown')
        ? code
        : undefined,
    containerId: str(container.ContainerID) || undefined,
    error: str(status.Err) || undefined,
    since: time(status.Timestamp),
    createdAt: time(t.CreatedAt),
  };
}

/** A service of `GET /services?status=true`. */
export function toService(raw: unknown): ServiceRecord {
  const s = obj(raw);
  const spec = obj(s.Spec);
  const stack = str(obj(spec.Labels)[STACK_LABEL]);
  const name = str(spec.Name);
  const mode = obj(spec.Mode);
  const replicated = mode.Replicated === undefined ? undefined : obj(mode.Replicated);
  const status = obj(s.ServiceStatus);
  const grace = obj(obj(spec.TaskTemplate).ContainerSpec).StopGracePeriod;
  return {
    id: str(s.ID),
    name,
    stack,
    short: name.startsWith(`${stack}_`) ? name.slice(stack.length + 1) : name,
    desired:
      replicated !== undefined
        ? typeof replicated.Replicas === 'number'
          ? replicated.Replicas
          : 1
        : typeof status.DesiredTasks === 'number'
          ? status.DesiredTasks
          : undefined,
    global: replicated === undefined,
    gracePeriodMs: typeof grace === 'number' ? Math.ceil(grace / 1e6) : 10_000,
  };
}

/** A node of `GET /nodes`. */
export function toNode(raw: unknown): NodeRecord {
  const n = obj(raw);
  return { id: str(n.ID), state: str(obj(n.Status).State) };
}
