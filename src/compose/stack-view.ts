import type { Observation } from '../core/plane.js';
import { type ContainerInfo, type ContainerTable, LIVE_STATUSES } from './container-table.js';

/** What the selected services' containers say. */
export type StackView =
  /** Every selected container runs, and is healthy where it has a healthcheck. */
  | { readonly kind: 'up' }
  /** Every selected container runs, but a healthcheck has not passed (or is not known yet). */
  | { readonly kind: 'starting' }
  /** A selected container is down (exited, dead, restarting, never started) or has none. */
  | {
      readonly kind: 'down';
      readonly exitCode: number | undefined;
      readonly service: string | undefined;
      /** Nothing of the project runs and every exit code is one a stop produces. */
      readonly cleanlyDown: boolean;
    }
  /** No container of any selected service exists. */
  | { readonly kind: 'absent' };

// What `compose stop` leaves: a clean exit, SIGTERM (143) or SIGKILL after the timeout (137).
const STOP_EXIT_CODES = new Set([0, 137, 143]);
const DOWN_STATUSES = new Set(['exited', 'dead', 'restarting', 'created', 'removing']);

/** Derives the {@link StackView} of the selected services from the table. */
export function viewStack(
  table: ContainerTable,
  services: readonly string[] | undefined,
): StackView {
  const selected = table.selected(services);
  if (selected.length === 0) return { kind: 'absent' };
  const down = selected.filter((c) => DOWN_STATUSES.has(c.status));
  const missing = missingServices(selected, services);
  if (down.length > 0 || missing.length > 0) {
    const latest = [...down].sort((a, b) => b.since - a.since)[0];
    const exitCode = latest?.status === 'created' ? undefined : latest?.exitCode;
    const cleanlyDown =
      !table.anyLive() &&
      down.every((c) => c.exitCode === undefined || STOP_EXIT_CODES.has(c.exitCode));
    return { kind: 'down', exitCode, service: latest?.service ?? missing[0], cleanlyDown };
  }
  return selected.every(isReady) ? { kind: 'up' } : { kind: 'starting' };
}

/** Selected services (when named) that have no container at all. */
export function missingServices(
  selected: readonly ContainerInfo[],
  services: readonly string[] | undefined,
): string[] {
  if (services === undefined) return [];
  return services.filter((s) => !selected.some((c) => c.service === s));
}

/** A running container whose healthcheck the table does not know yet (a list tells). */
export function needsHealthcheck(c: ContainerInfo): boolean {
  return c.status === 'running' && c.hasHealthcheck === undefined;
}

function isReady(c: ContainerInfo): boolean {
  if (c.status !== 'running' || c.hasHealthcheck === undefined) return false;
  return !c.hasHealthcheck || c.health === 'healthy';
}

/**
 * What `refresh()` and adoption see. A snapshot cannot tell a stack stopped on purpose from one
 * whose every container died: a fully stopped stack whose exit codes are ones a stop produces
 * (0, 137, 143) reads as stopped. A stack whose selected containers are gone while another
 * service still runs is an exit, not an absence: something of it runs, to stop or kill.
 */
export function observationOf(
  table: ContainerTable,
  services: readonly string[] | undefined,
): Observation {
  const view = viewStack(table, services);
  switch (view.kind) {
    case 'up': {
      const starts = table
        .selected(services)
        .flatMap((c) => (c.startedAt === undefined ? [] : [c.startedAt]));
      return { kind: 'running', since: starts.length === 0 ? undefined : Math.max(...starts) };
    }
    case 'starting':
      return { kind: 'starting' };
    case 'down':
      return { kind: 'exited', stopped: view.cleanlyDown, exitCode: view.exitCode };
    case 'absent':
      return table.anyLive() ? { kind: 'exited', stopped: false } : { kind: 'absent' };
  }
}

export { LIVE_STATUSES };
