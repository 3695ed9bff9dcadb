import { crashed, type InstanceState, States } from '../state/instance-state.js';
import type { ComposeCli } from './compose-cli.js';
import { type ContainerInfo, type ContainerTable, fromInspect } from './container-table.js';

/** What the selected services' containers say, before any intent is taken into account. */
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

function isReady(c: ContainerInfo): boolean {
  if (c.status !== 'running' || c.hasHealthcheck === undefined) return false;
  return !c.hasHealthcheck || c.health === 'healthy';
}

/**
 * The state `refresh()` reports for what a snapshot shows, given what was known before. A snapshot
 * cannot tell a stack stopped on purpose from one whose every container died: a fully stopped
 * stack whose exit codes are ones a stop produces (0, 137, 143) reads as `stopped` to a
 * supervisor that knew nothing, `crashed` otherwise.
 */
export function adoptedState(current: InstanceState, view: StackView): InstanceState {
  const s = current.state;
  switch (view.kind) {
    case 'up':
      return States.running;
    case 'starting':
      return s === 'running' ? current : States.starting;
    case 'down': {
      if (s === 'stopped' && view.cleanlyDown) return current;
      const next = crashed({ exitCode: view.exitCode });
      return s === 'crashed' && view.exitCode === undefined ? current : next;
    }
    case 'absent':
      return s === 'stopped' || s === 'crashed' ? States.stopped : crashed();
  }
}

/** Takes a snapshot: `compose ps --all`, then `docker inspect` of what it listed. */
export async function takeSnapshot(cli: ComposeCli): Promise<ContainerInfo[]> {
  const entries = await cli.ps();
  const raw = await cli.inspect(entries.map((e) => e.ID));
  return raw.flatMap((r) => {
    const info = fromInspect(r);
    return info === undefined ? [] : [info];
  });
}
