import { GamewardError } from '../errors.js';
import { type InstanceState, type StateLabel, sameState } from './instance-state.js';

/**
 * Which state may follow which. The one table every supervisor obeys; docs/states.md draws it.
 *
 * - `unmanaged` is terminal: an instance without an executable never changes.
 * - `stopped → running | crashed` and `crashed → running | stopped` exist for adoption:
 *   `refresh()` of a compose stack that is already up (or already dead) reports what it finds.
 * - `starting → stopped` is an abort: `kill()` or dispose preempting a start.
 * - `stopping → crashed` is a stop that failed (the force kill did not bring it down in time, or
 *   compose failed): the instance is then neither cleanly stopped nor known to be running.
 */
export const transitions: Readonly<Record<StateLabel, readonly StateLabel[]>> = Object.freeze({
  unmanaged: [],
  stopped: ['starting', 'running', 'crashed'],
  starting: ['running', 'stopping', 'stopped', 'crashed'],
  running: ['stopping', 'crashed'],
  stopping: ['stopped', 'crashed'],
  crashed: ['starting', 'stopping', 'running', 'stopped', 'crashed'],
});

/** True when `to` may follow `from` (a state never follows an identical one). */
export function canTransition(from: InstanceState, to: InstanceState): boolean {
  if (sameState(from, to)) return false;
  return transitions[from.state].includes(to.state);
}

/** Throws `ERR_INVALID_STATE` when `to` may not follow `from`. */
export function assertTransition(
  from: InstanceState,
  to: InstanceState,
  instanceId?: string,
): void {
  if (!canTransition(from, to)) {
    throw new GamewardError(
      'ERR_INVALID_STATE',
      `Instance ${JSON.stringify(instanceId ?? '?')}: illegal transition ${from.state} -> ${to.state}`,
      { instanceId },
    );
  }
}
