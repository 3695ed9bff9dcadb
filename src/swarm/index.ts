// Public surface of src/swarm: re-exported by src/index.ts.
export type { NormalizedSwarmConfig, SwarmSupervisorConfig } from './options.js';
export { SwarmSupervisor } from './swarm-supervisor.js';
