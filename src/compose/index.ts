// Public surface of src/compose: re-exported by src/index.ts.
export { COMPOSE_CLI_CONCURRENCY } from './cli-limit.js';
export { ComposeSupervisor } from './compose-supervisor.js';
export {
  type ComposeSupervisorConfig,
  DEFAULT_COMPOSE_CRASH_LINES,
  DEFAULT_COMPOSE_ENGINE_TIMEOUT_MS,
  DEFAULT_COMPOSE_RESTART_DELAY_MS,
  DEFAULT_COMPOSE_START_TIMEOUT_MS,
  DEFAULT_COMPOSE_STOP_TIMEOUT_MS,
  type NormalizedComposeConfig,
  normalizeComposeConfig,
} from './options.js';
