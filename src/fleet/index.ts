// Public surface of src/fleet: re-exported by src/index.ts.
export { type FleetAction, type FleetCommand, fleetActions, parseFleetCommand } from './command.js';
export {
  type BuiltSupervisor,
  createSupervisor,
  type SupervisorConfig,
  supervisorKinds,
} from './create-supervisor.js';
export {
  type AnySupervisor,
  Fleet,
  type FleetEvents,
  type FleetSnapshotEntry,
  type StopAllOptions,
} from './fleet.js';
export type { FleetStateEvent, FleetStatesOptions } from './state-fanout.js';
