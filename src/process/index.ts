// Public surface of src/process: re-exported by src/index.ts.
export {
  DEFAULT_KILL_GRACE_MS,
  type NormalizedProcessConfig,
  type ProcessSupervisorConfig,
} from './options.js';
export { ProcessSupervisor } from './process-supervisor.js';
