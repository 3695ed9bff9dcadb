import { describeGot, describeValue, GamewardError } from '../errors.js';

/** The actions a {@link FleetCommand} may ask for. */
export const fleetActions = Object.freeze(['start', 'stop', 'restart', 'kill', 'send'] as const);

/** One of {@link fleetActions}. */
export type FleetAction = (typeof fleetActions)[number];

/**
 * A command for one instance of a fleet, as it arrives from a transport (NATS, HTTP, a chat bot):
 * `{ instanceId: 'rust-1', action: 'restart' }`.
 */
export type FleetCommand =
  | { readonly instanceId: string; readonly action: Exclude<FleetAction, 'send'> }
  /** One console line for the instance (`{ instanceId, action: 'send', line: 'say hi' }`). */
  | { readonly instanceId: string; readonly action: 'send'; readonly line: string };

const KEYS = ['instanceId', 'action', 'line'];

function malformed(expected: string, value: unknown, instanceId?: string): GamewardError {
  return new GamewardError(
    'ERR_INVALID_ARGUMENT',
    `Expected ${expected}, got ${describeGot(value)}`,
    { instanceId },
  );
}

/**
 * Validates an untrusted command (a decoded JSON value). A value that is not an object, a missing
 * or non-string field, or an unknown key throws `ERR_INVALID_ARGUMENT`; a string action that is not
 * one of {@link fleetActions} throws `ERR_INVALID_ACTION`. Unknown keys are refused rather than
 * ignored so that `{ action: 'stop', force: true }` cannot look like it did something it did not.
 */
export function parseFleetCommand(value: unknown): FleetCommand {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw malformed('a command object such as {"instanceId":"rust-1","action":"start"}', value);
  }
  const record = value as Record<string, unknown>;
  const { instanceId, action } = record;
  if (typeof instanceId !== 'string' || instanceId.length === 0) {
    throw malformed('`instanceId` to be a non-empty string', instanceId);
  }
  const unknown = Object.keys(record).find((key) => !KEYS.includes(key));
  if (unknown !== undefined) {
    throw new GamewardError(
      'ERR_INVALID_ARGUMENT',
      `Instance ${describeValue(instanceId)}: unknown command field \`${unknown}\` (a command has only instanceId, action and, for send, line), got ${describeGot(record[unknown])}`,
      { instanceId },
    );
  }
  if (typeof action !== 'string') {
    throw malformed(`\`action\` to be one of ${fleetActions.join(', ')}`, action, instanceId);
  }
  if (!(fleetActions as readonly string[]).includes(action)) {
    throw new GamewardError(
      'ERR_INVALID_ACTION',
      `Instance ${describeValue(instanceId)}: expected \`action\` to be one of ${fleetActions.join(', ')}, got ${describeGot(action)}`,
      { instanceId },
    );
  }
  if (action === 'send') {
    const { line } = record;
    if (typeof line !== 'string') throw malformed('`line` to be a string', line, instanceId);
    return { instanceId, action, line };
  }
  if (record.line !== undefined) {
    throw malformed(`no \`line\` with action "${action}"`, record.line, instanceId);
  }
  return { instanceId, action: action as Exclude<FleetAction, 'send'> };
}
