import type { CallOptions, EngineClient } from './client.js';
import { CONTAINER_ACTIONS, PROJECT_LABEL } from './events.js';

/**
 * Which engine answers behind the Docker API. Podman's compat API differs in ways that matter to
 * the events stream (see /tmp/gw/podman-findings.md, pinned by test/podman): each difference is
 * one small function below, keyed on this.
 */
export type EngineFlavor = 'docker' | 'podman';

interface RawVersion {
  Components?: { Name?: string }[];
  Platform?: { Name?: string };
}

/** Asks `/version` which engine this is (podman names itself in a component or the platform). */
export async function detectFlavor(client: EngineClient, call: CallOptions): Promise<EngineFlavor> {
  const version = await client.json<RawVersion>('GET', '/version', {}, call);
  return flavorOf(version);
}

/** The flavor of a `/version` answer. */
export function flavorOf(version: RawVersion | undefined): EngineFlavor {
  const names = [
    version?.Platform?.Name ?? '',
    ...(version?.Components ?? []).map((c) => c.Name ?? ''),
  ];
  return names.some((n) => /podman/i.test(n)) ? 'podman' : 'docker';
}

/**
 * The server-side filters of the hub's one events stream. Docker: containers with the project
 * label key, only the actions that change a state (a healthcheck's `exec_*` events never wake the
 * host). Podman matches a key-only label filter against nothing and knows `die` as `died`, so it
 * gets only `type=container` and the hub filters in-process ({@link isStateAction}).
 */
export function eventFilters(flavor: EngineFlavor): Record<string, string[]> {
  if (flavor === 'podman') return { type: ['container'] };
  return { type: ['container'], label: [PROJECT_LABEL], event: [...CONTAINER_ACTIONS] };
}

/**
 * The bound on opening a log stream. Podman sends no response headers until the container writes
 * its first byte after `since`, so a quiet container's stream would time out there: only the
 * abort signal ends it. Docker answers at once, and gets the engine's bound.
 */
export function logOpenTimeout(flavor: EngineFlavor | undefined, timeoutMs: number): number {
  return flavor === 'podman' ? Number.POSITIVE_INFINITY : timeoutMs;
}

/**
 * True when a `health_status` event says no status: podman 4.3 sends the action without the
 * `: healthy` detail, so the container must be inspected for `State.Health.Status`.
 */
export function healthNeedsInspect(action: string, health: string | undefined): boolean {
  return action === 'health_status' && health === undefined;
}
