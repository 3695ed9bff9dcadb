// Public surface of src/swarm: re-exported by src/index.ts.
export {
  type NormalizedSwarmConfig,
  STACK_NAME_PATTERN,
  type SwarmSupervisorConfig,
} from './options.js';
export { SwarmSupervisor } from './swarm-supervisor.js';
export { FAST_POLL_MS, IDLE_POLL_MS } from './task-board.js';
