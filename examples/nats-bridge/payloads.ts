import {
  type FleetSnapshotEntry,
  GamewardError,
  type InstanceState,
  toWire,
  type WireState,
} from '../../src/index.js';

/** The subjects of one agent: `gameward.<agent>.<instance>.state|cmd` and `gameward.<agent>.heartbeat`. */
export const subjects = {
  state: (agent: string, instanceId: string): string => `gameward.${agent}.${instanceId}.state`,
  commands: (agent: string): string => `gameward.${agent}.*.cmd`,
  command: (agent: string, instanceId: string): string => `gameward.${agent}.${instanceId}.cmd`,
  heartbeat: (agent: string): string => `gameward.${agent}.heartbeat`,
};

/**
 * A state event: the wire state (byte-compatible with the Rust agent's serde output) followed by
 * the instance, the agent and the time in ms since the epoch:
 * `{"state":"crashed","exit_code":3,"instance_id":"rust-1","agent":"host-1","time":1718000000000}`.
 */
export type StateEventPayload = WireState & { instance_id: string; agent: string; time: number };

export function stateEvent(
  agent: string,
  instanceId: string,
  state: InstanceState,
): StateEventPayload {
  return { ...toWire(state), instance_id: instanceId, agent, time: Date.now() };
}

/** One instance in a heartbeat: `{"instance_id":"rust-1","state":"running","uptime_seconds":42}`. */
export type HeartbeatInstance = { instance_id: string } & WireState & { uptime_seconds: number };

/** A heartbeat: `{"agent":"host-1","time":1718000000000,"instances":[...]}`, from `fleet.snapshot()`. */
export interface HeartbeatPayload {
  agent: string;
  time: number;
  instances: HeartbeatInstance[];
}

export function heartbeat(agent: string, snapshot: FleetSnapshotEntry[]): HeartbeatPayload {
  return {
    agent,
    time: Date.now(),
    instances: snapshot.map((entry) => ({
      instance_id: entry.instanceId,
      ...toWire(entry.state),
      uptime_seconds: entry.uptimeSeconds,
    })),
  };
}

/**
 * The reply to a command: `{"ok":true,"state":{"state":"running"}}` once the action completed, or
 * `{"ok":false,"error":{"code":"ERR_NOT_RUNNING","message":"..."}}`. `code` is a gameward error
 * code, or `ERR_INTERNAL` for anything that is not a GamewardError (a bug).
 */
export type CommandReply =
  | { ok: true; state: WireState }
  | { ok: false; error: { code: string; message: string } };

export function okReply(state: InstanceState): CommandReply {
  return { ok: true, state: toWire(state) };
}

export function errorReply(error: unknown): CommandReply {
  if (error instanceof GamewardError) {
    return { ok: false, error: { code: error.code, message: error.message } };
  }
  return { ok: false, error: { code: 'ERR_INTERNAL', message: String(error) } };
}
