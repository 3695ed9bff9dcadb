/** The label of an {@link InstanceState}. */
export type StateLabel = 'unmanaged' | 'stopped' | 'starting' | 'running' | 'stopping' | 'crashed';

/** Every label, in lifecycle order. */
export const stateLabels: readonly StateLabel[] = Object.freeze([
  'unmanaged',
  'stopped',
  'starting',
  'running',
  'stopping',
  'crashed',
]);

/** Not lifecycle-managed (a process instance with no executable). Never changes. */
export interface UnmanagedState {
  readonly state: 'unmanaged';
}
/** Nothing runs, and nothing was asked to run. */
export interface StoppedState {
  readonly state: 'stopped';
}
/** Started, not yet ready (no readiness line or healthcheck yet). */
export interface StartingState {
  readonly state: 'starting';
}
/** Running and, where readiness is configured, ready. */
export interface RunningState {
  readonly state: 'running';
}
/** A stop was requested and is under way. */
export interface StoppingState {
  readonly state: 'stopping';
}
/** Exited or died without a stop request. */
export interface CrashedState {
  readonly state: 'crashed';
  /** The exit code, when the process exited by itself (or compose reported one). */
  readonly exitCode?: number;
  /** The signal that killed it, when one did. */
  readonly signal?: NodeJS.Signals;
}

/** The observable lifecycle state of one instance: a discriminated union on `state`. */
export type InstanceState =
  | UnmanagedState
  | StoppedState
  | StartingState
  | RunningState
  | StoppingState
  | CrashedState;

/** The label of a state: `'crashed'` for `{ state: 'crashed', exitCode: 3 }`. */
export function stateLabel(s: InstanceState): StateLabel {
  return s.state;
}

/** Frozen singletons for the states that carry no data. */
export const States = Object.freeze({
  unmanaged: Object.freeze({ state: 'unmanaged' }) as UnmanagedState,
  stopped: Object.freeze({ state: 'stopped' }) as StoppedState,
  starting: Object.freeze({ state: 'starting' }) as StartingState,
  running: Object.freeze({ state: 'running' }) as RunningState,
  stopping: Object.freeze({ state: 'stopping' }) as StoppingState,
});

/** Builds a frozen `crashed` state; fields that are unknown are left out, not set to undefined. */
export function crashed(
  details: {
    exitCode?: number | null | undefined;
    signal?: NodeJS.Signals | null | undefined;
  } = {},
): CrashedState {
  const s: { state: 'crashed'; exitCode?: number; signal?: NodeJS.Signals } = { state: 'crashed' };
  if (details.exitCode !== undefined && details.exitCode !== null) s.exitCode = details.exitCode;
  if (details.signal !== undefined && details.signal !== null) s.signal = details.signal;
  return Object.freeze(s);
}

/** Structural equality of two states (same label, same exit code, same signal). */
export function sameState(a: InstanceState, b: InstanceState): boolean {
  if (a.state !== b.state) return false;
  if (a.state === 'crashed' && b.state === 'crashed') {
    return a.exitCode === b.exitCode && a.signal === b.signal;
  }
  return true;
}
