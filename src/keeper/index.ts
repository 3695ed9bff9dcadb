export { type AdoptResult, adoptKept, type KeptExpectation } from './adopt.js';
export { HostWatchdog, type WatchdogEntry } from './host-watchdog.js';
export {
  type KeptExited,
  type KeptHandlers,
  type KeptLine,
  type KeptOutcome,
  KeptServer,
} from './kept-server.js';
export { type KeptSpec, launchKept } from './launch.js';
export {
  DEFAULT_OUTPUT_CAP_BYTES,
  KEPT_TOKEN_ENV,
  type KeptStream,
  PROTOCOL_VERSION,
} from './layout.js';
export type { DroppedOutput } from './output-tail.js';
export { replayKeptOutput } from './replay.js';
