import type { Observation } from '../core/plane.js';
import { hasStarted, isTerminal, isUp, type ServiceRecord, type TaskRecord } from './records.js';
import type { BoardSnapshot } from './task-board.js';

/** Failed states: the task ended without anybody asking (a stop ends in `shutdown`). */
const DIED = new Set(['failed', 'complete', 'rejected', 'orphaned']);

/** One selected service of a stack, as the board last saw it. */
export interface ServiceView {
  readonly service: ServiceRecord;
  /** Its tasks, newest history included (swarm keeps 5 old tasks per slot). */
  readonly tasks: readonly TaskRecord[];
  /** Tasks wanted running and running (healthy where a healthcheck exists) on a live node. */
  readonly up: readonly TaskRecord[];
  /** Tasks wanted running that have not ended (pending, starting, running). */
  readonly coming: readonly TaskRecord[];
}

/** A stack as the board last saw it, seen through the instance's selected services. */
export interface StackView {
  /** Some service of the stack exists. */
  readonly exists: boolean;
  /** The selected services that exist. */
  readonly services: readonly ServiceView[];
  /** Selected services the stack does not have. */
  readonly missing: readonly string[];
  /** Every selected service exists and has all its desired replicas up. */
  readonly allUp: boolean;
  /** Tasks of the stack (any service, removed ones included) that may still run. */
  readonly live: readonly TaskRecord[];
  /** Why a replica waits, when swarm says ("no suitable node (max replicas per node...)"). */
  readonly waiting: string | undefined;
}

/** True when the task ended by itself (failed, exited, rejected): not a stop. */
export function died(task: TaskRecord): boolean {
  return DIED.has(task.state);
}

/** The view of stack `stack` in `snapshot`; `selected` undefined means every service. */
export function viewStack(
  snapshot: BoardSnapshot,
  stack: string,
  selected: readonly string[] | undefined,
): StackView {
  // A task on a node that is down runs no more as far as anyone can tell (its dockerd is gone).
  const lost = (task: TaskRecord): boolean => {
    const state = snapshot.nodes.get(task.nodeId)?.state;
    return state === 'down' || state === 'disconnected';
  };
  const stackTasks = snapshot.tasks.filter((t) => t.stack === stack);
  const ours = snapshot.services.filter((s) => s.stack === stack);
  const chosen = selected === undefined ? ours : ours.filter((s) => selected.includes(s.short));
  const services = chosen.map((service): ServiceView => {
    const tasks = stackTasks.filter((t) => t.serviceId === service.id);
    return {
      service,
      tasks,
      up: tasks.filter((t) => isUp(t) && !lost(t)),
      coming: tasks.filter((t) => t.desired === 'running' && !isTerminal(t) && !lost(t)),
    };
  });
  const missing = (selected ?? []).filter((name) => !ours.some((s) => s.short === name));
  const waiting = services
    .flatMap((s) => s.coming)
    .find((t) => !hasStarted(t) && t.error !== undefined)?.error;
  return {
    exists: ours.length > 0,
    services,
    missing,
    allUp:
      services.length > 0 &&
      missing.length === 0 &&
      services.every((s) => s.service.desired !== undefined && s.up.length >= s.service.desired),
    live: stackTasks.filter((t) => !isTerminal(t) && !lost(t)),
    waiting,
  };
}

/** What `observe()` reports for a view: the world as it is, without touching it. */
export function observeView(view: StackView): Observation {
  if (!view.exists) return { kind: 'absent' };
  if (view.allUp) {
    const since = Math.min(...view.services.flatMap((s) => s.up.map((t) => t.since)));
    return { kind: 'running', since: Number.isFinite(since) ? since : undefined };
  }
  const coming =
    view.missing.length === 0 &&
    view.services.every((s) => s.coming.length >= (s.service.desired ?? 1));
  if (coming) return { kind: 'starting' };
  // Some replica is gone for good: the newest ended task says how.
  const ended = view.services
    .flatMap((s) => s.tasks)
    .filter(isTerminal)
    .sort((a, b) => b.since - a.since)[0];
  return {
    kind: 'exited',
    stopped: ended === undefined || !died(ended),
    exitCode: ended?.exitCode,
  };
}
