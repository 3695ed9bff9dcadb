/**
 * gameward: supervise game-server instances (OS processes, docker-compose stacks, swarm
 * services) behind one `Supervisor` interface.
 * @module gameward
 */
export * from './compose/index.js';
export type { ReadinessConfig } from './console/readiness.js';
export {
  DEFAULT_CRASH_LINES,
  DEFAULT_RESTART_DELAY_MS,
  DEFAULT_STOP_TIMEOUT_MS,
  type LifecycleConfig,
  type SupervisorOptions,
} from './core/settings.js';
export type { CoreOptions } from './core/supervisor-core.js';
export {
  type ErrorCode,
  ErrorCodes,
  GamewardError,
  type GamewardErrorOptions,
  isGamewardError,
} from './errors.js';
export * from './fleet/index.js';
export { type Logger, silentLogger } from './logger.js';
export {
  type AutoRestartConfig,
  type AutoRestartOptions,
  DEFAULT_AUTO_RESTART,
} from './policy/auto-restart.js';
export * from './process/index.js';
export type { LinkDownReason } from './remote/link-errors.js';
export type { NormalizedSshConfig, RemoteHostConfig, SshConfig } from './remote/options.js';
export type { LinkStatus } from './remote/ssh-link.js';
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
export { canTransition, transitions } from './state/transitions.js';
export { fromWire, isSignalName, toWire, type WireState } from './state/wire.js';
export type {
  CallOptions,
  CrashDetails,
  GaveUp,
  OutputLine,
  OutputOptions,
  ResourceStats,
  RestartScheduled,
  StatsStreamOptions,
  Supervisor,
  SupervisorEmitter,
  SupervisorEvents,
  SupervisorKind,
} from './supervisor.js';
export * from './swarm/index.js';
