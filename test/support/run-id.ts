import { RUN_MARKER } from './leaks.js';

/**
 * A short token unique to this test run (from the marker the global setup sets), for compose
 * project names: `gwtest<token>-<name>`. The global teardown looks only for this run's projects,
 * so concurrent runs never see each other's containers as leaks.
 */
export function runToken(): string {
  const marker = process.env[RUN_MARKER] ?? 'local0000';
  return marker.replaceAll('-', '').slice(0, 8).toLowerCase();
}

/** A compose project name (and instance id) owned by this run. */
export function testProjectName(name: string): string {
  return `gwtest${runToken()}-${name}`;
}
