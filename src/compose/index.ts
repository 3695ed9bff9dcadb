// Public surface of src/compose: re-exported by src/index.ts.
export { COMPOSE_CLI_CONCURRENCY } from './cli-limit.js';
export { ComposeSupervisor } from './compose-supervisor.js';
export {
  type ComposeSupervisorConfig,
  DEFAULT_COMPOSE_ENGINE_TIMEOUT_MS,
  type NormalizedComposeConfig,
} from './options.js';
