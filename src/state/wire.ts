import { constants } from 'node:os';
import { describeGot, GamewardError } from '../errors.js';
import {
  crashed,
  type InstanceState,
  type StateLabel,
  States,
  stateLabels,
} from './instance-state.js';

/**
 * The JSON form of a state, byte-compatible with the Rust agent's serde output
 * (`#[serde(tag = "state", rename_all = "snake_case")]`): `{"state":"running"}`,
 * `{"state":"crashed","exit_code":3}`, `{"state":"crashed"}`. `signal` is gameward's addition and
 * appears only when a signal is known.
 */
export type WireState =
  | { state: Exclude<StateLabel, 'crashed'> }
  | { state: 'crashed'; exit_code?: number; signal?: NodeJS.Signals };

/** Returns the wire form of a state: a plain object whose `JSON.stringify` matches the Rust agent's. */
export function toWire(s: InstanceState): WireState {
  if (s.state !== 'crashed') return { state: s.state };
  // Key order is part of the byte format: state, exit_code, signal.
  const wire: { state: 'crashed'; exit_code?: number; signal?: NodeJS.Signals } = {
    state: 'crashed',
  };
  if (s.exitCode !== undefined) wire.exit_code = s.exitCode;
  if (s.signal !== undefined) wire.signal = s.signal;
  return wire;
}

const I32_MIN = -(2 ** 31);
const I32_MAX = 2 ** 31 - 1;

/** True when `name` is a signal this platform knows, such as `'SIGTERM'`. */
export function isSignalName(name: unknown): name is NodeJS.Signals {
  return typeof name === 'string' && Object.hasOwn(constants.signals, name);
}

function invalid(message: string): GamewardError {
  return new GamewardError('ERR_INVALID_STATE', message);
}

/**
 * Parses the wire form (an already-decoded JSON value) into an {@link InstanceState}.
 * Unknown keys are ignored, as serde does; anything else malformed throws a
 * {@link GamewardError} with code `ERR_INVALID_STATE`.
 */
export function fromWire(value: unknown): InstanceState {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(
      `Expected a wire state object such as {"state":"running"}, got ${describeGot(value)}`,
    );
  }
  const record = value as Record<string, unknown>;
  const label = record.state;
  if (typeof label !== 'string' || !(stateLabels as readonly string[]).includes(label)) {
    throw invalid(
      `Expected \`state\` to be one of ${stateLabels.join(', ')}, got ${describeGot(label)}`,
    );
  }
  if (label !== 'crashed') return States[label as Exclude<StateLabel, 'crashed'>];
  const exitCode = record.exit_code;
  if (
    exitCode !== undefined &&
    exitCode !== null &&
    !(
      Number.isInteger(exitCode) &&
      (exitCode as number) >= I32_MIN &&
      (exitCode as number) <= I32_MAX
    )
  ) {
    throw invalid(`Expected \`exit_code\` to be a 32-bit integer, got ${describeGot(exitCode)}`);
  }
  const signal = record.signal;
  if (signal !== undefined && signal !== null && !isSignalName(signal)) {
    throw invalid(
      `Expected \`signal\` to be a signal name such as "SIGKILL", got ${describeGot(signal)}`,
    );
  }
  return crashed({
    // -0 is no exit code a process can have, and JSON text cannot carry it: it is 0.
    exitCode: exitCode === 0 ? 0 : (exitCode as number | null | undefined),
    signal: signal as NodeJS.Signals | null | undefined,
  });
}
