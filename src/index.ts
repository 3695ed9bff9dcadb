/**
 * gameward: supervise game-server instances (OS processes, docker-compose stacks) behind one
 * `Supervisor` interface.
 * @module gameward
 */
export * from './compose/index.js';
export { DEFAULT_READINESS_TIMEOUT_MS, type ReadinessConfig } from './console/readiness.js';
export {
  describeValue,
  type ErrorCode,
  ErrorCodes,
  GamewardError,
  type GamewardErrorOptions,
  isGamewardError,
} from './errors.js';
export * from './fleet/index.js';
export { type Logger, type SupervisorOptions, silentLogger } from './logger.js';
export { type AutoRestartConfig, DEFAULT_AUTO_RESTART } from './policy/auto-restart.js';
export * from './process/index.js';
export {
  type CrashedState,
  crashed,
  type InstanceState,
  type RunningState,
  type StartingState,
  type StateLabel,
  States,
  type StoppedState,
  type StoppingState,
  sameState,
  stateLabel,
  stateLabels,
  type UnmanagedState,
} from './state/instance-state.js';
export type { StatePredicate, StatesOptions, WaitForOptions } from './state/state-channel.js';
export { assertTransition, canTransition, transitions } from './state/transitions.js';
export { fromWire, isSignalName, toWire, type WireState } from './state/wire.js';
export type {
  CrashDetails,
  GaveUp,
  OutputLine,
  OutputOptions,
  ResourceStats,
  RestartScheduled,
  StatsStreamOptions,
  Supervisor,
  SupervisorEvents,
  SupervisorKind,
} from './supervisor.js';
