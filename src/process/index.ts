// Public surface of src/process: re-exported by src/index.ts.
export {
  DEFAULT_CRASH_LINES,
  DEFAULT_KILL_GRACE_MS,
  DEFAULT_RESTART_DELAY_MS,
  DEFAULT_STOP_TIMEOUT_MS,
  type NormalizedProcessConfig,
  normalizeProcessConfig,
  type ProcessSupervisorConfig,
} from './options.js';
export { ProcessSupervisor } from './process-supervisor.js';
