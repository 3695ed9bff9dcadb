/**
 * Every stable error code gameward uses. Codes never change meaning between releases;
 * docs/errors.md documents each one.
 */
export const ErrorCodes = [
  'ERR_UNMANAGED',
  'ERR_EXECUTABLE_NOT_FOUND',
  'ERR_SPAWN_FAILED',
  'ERR_ALREADY_RUNNING',
  'ERR_NOT_RUNNING',
  'ERR_INVALID_CONFIG',
  'ERR_INVALID_ARGUMENT',
  'ERR_INVALID_STATE',
  'ERR_INVALID_ACTION',
  'ERR_TIMEOUT',
  'ERR_ABORTED',
  'ERR_DISPOSED',
  'ERR_STOP_FAILED',
  'ERR_KILLED',
  'ERR_READINESS_TIMEOUT',
  'ERR_COMPOSE',
  'ERR_COMPOSE_MISSING',
  'ERR_ENGINE_UNAVAILABLE',
  'ERR_DUPLICATE_INSTANCE',
  'ERR_UNKNOWN_INSTANCE',
  'ERR_UNSUPPORTED',
  'ERR_START_FAILED',
  'ERR_CONSOLE_FULL',
] as const;

/** A stable error code: test for it with `error.code === 'ERR_NOT_RUNNING'`. */
export type ErrorCode = (typeof ErrorCodes)[number];

/** Options of {@link GamewardError}. */
export interface GamewardErrorOptions {
  /** The instance the error is about, when there is one. */
  instanceId?: string | undefined;
  /** The underlying error (an OS error, compose's failure, an abort reason). */
  cause?: unknown;
  /** The exit code of a failed external command (compose), when there is one. */
  exitCode?: number | undefined;
  /** The standard error of a failed external command (compose), when there is one. */
  stderr?: string | undefined;
}

/**
 * The one error class gameward throws or rejects with. `code` is stable; `message` is for humans
 * and names the instance, the field and the value where there is one.
 */
export class GamewardError<C extends ErrorCode = ErrorCode> extends Error {
  /**
   * `'GamewardError'`, or `'AbortError'` for `ERR_ABORTED`: an aborted call rejects with what
   * Node users test for (`error.name === 'AbortError'`), and still carries a code.
   */
  override readonly name: 'GamewardError' | 'AbortError';
  readonly code: C;
  readonly instanceId: string | undefined;
  readonly exitCode: number | undefined;
  readonly stderr: string | undefined;

  /**
   * With an `instanceId`, the message is prefixed with `Instance "<id>": ` (unless it already
   * names the instance that way), so every message about an instance reads the same.
   */
  constructor(code: C, message: string, options: GamewardErrorOptions = {}) {
    super(
      prefixed(message, options.instanceId),
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = code === 'ERR_ABORTED' ? 'AbortError' : 'GamewardError';
    this.code = code;
    this.instanceId = options.instanceId;
    this.exitCode = options.exitCode;
    this.stderr = options.stderr;
  }
}

function prefixed(message: string, instanceId: string | undefined): string {
  if (instanceId === undefined) return message;
  const name = `Instance ${JSON.stringify(instanceId)}`;
  if (message.startsWith(name)) return message;
  return `${name}: ${message}`;
}

/**
 * True when `value` is a {@link GamewardError}, optionally with the given code; narrows
 * `value.code` to that code.
 */
export function isGamewardError<C extends ErrorCode = ErrorCode>(
  value: unknown,
  code?: C,
): value is GamewardError<C> {
  return value instanceof GamewardError && (code === undefined || value.code === code);
}

/** Renders a value for an error message: strings quoted, everything else as JSON where it can be. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return `[function ${value.name || 'anonymous'}]`;
  if (typeof value === 'symbol') return value.toString();
  if (value instanceof RegExp) return value.toString();
  try {
    const json = JSON.stringify(value);
    if (json === undefined) return String(value);
    return json.length > 120 ? `${json.slice(0, 117)}...` : json;
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** `x (type)` as used by every validation message: "got `-1` (number)". */
export function describeGot(value: unknown): string {
  const type = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  return `\`${describeValue(value)}\` (${type})`;
}
