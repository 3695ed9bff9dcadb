import { describeGot, GamewardError } from '../errors.js';
import { isSignalName } from '../state/wire.js';

/** The longest delay setTimeout honours; beyond it, it fires at once (with a warning). */
export const MAX_TIMER_MS = 2_147_483_647;

/** Instance ids are slugs safe as a NATS subject segment and a compose project name. */
export const ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/**
 * Validates one config object's fields, each failure an `ERR_INVALID_CONFIG` whose message names
 * the instance, the field and the value: `Instance "rust-1": expected \`stopTimeoutMs\` to be a
 * non-negative integer, got \`-1\` (number)`.
 */
export class ConfigValidator {
  constructor(
    readonly instanceId: string | undefined,
    readonly prefix = '',
    readonly code: 'ERR_INVALID_CONFIG' | 'ERR_INVALID_ARGUMENT' = 'ERR_INVALID_CONFIG',
  ) {}

  /** A validator for a nested object (`autoRestart.maxRestarts`). */
  nested(field: string): ConfigValidator {
    return new ConfigValidator(this.instanceId, `${this.prefix}${field}.`, this.code);
  }

  fail(field: string, expected: string, value: unknown): never {
    const who =
      this.instanceId === undefined ? '' : `Instance ${JSON.stringify(this.instanceId)}: `;
    throw new GamewardError(
      this.code,
      `${who}expected \`${this.prefix}${field}\` to be ${expected}, got ${describeGot(value)}`,
      { instanceId: this.instanceId },
    );
  }

  object(field: string, value: unknown): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.fail(field, 'an object', value);
    }
    return value as Record<string, unknown>;
  }

  /** Refuses keys that are not in `known`, so a typo (`stopTimeout`) is not silently ignored. */
  knownKeys(value: Record<string, unknown>, known: readonly string[]): void {
    for (const key of Object.keys(value)) {
      if (!known.includes(key))
        this.fail(key, `one of the known options (${known.join(', ')})`, value[key]);
    }
  }

  string(field: string, value: unknown, options: { nonEmpty?: boolean } = {}): string {
    if (typeof value !== 'string' || (options.nonEmpty === true && value.length === 0)) {
      this.fail(field, options.nonEmpty === true ? 'a non-empty string' : 'a string', value);
    }
    if (value.includes('\0')) this.fail(field, 'a string without NUL bytes', value);
    return value;
  }

  optionalString(
    field: string,
    value: unknown,
    options: { nonEmpty?: boolean } = {},
  ): string | undefined {
    return value === undefined ? undefined : this.string(field, value, options);
  }

  stringArray(field: string, value: unknown): string[] {
    if (!Array.isArray(value)) this.fail(field, 'an array of strings', value);
    return value.map((item, i) => this.string(`${field}[${i}]`, item));
  }

  env(field: string, value: unknown): Record<string, string> {
    const record = this.object(field, value);
    const out: Record<string, string> = {};
    for (const [key, item] of Object.entries(record)) {
      if (key.length === 0 || key.includes('=') || key.includes('\0')) {
        this.fail(`${field} key`, 'a variable name without "=" or NUL', key);
      }
      out[key] = this.string(`${field}.${key}`, item);
    }
    return out;
  }

  boolean(field: string, value: unknown): boolean {
    if (typeof value !== 'boolean') this.fail(field, 'a boolean', value);
    return value;
  }

  /** An integer in [min, max]; `what` describes the range for the message. */
  integer(field: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      const range =
        min === 0 && max === Number.MAX_SAFE_INTEGER
          ? 'a non-negative integer'
          : min === 1 && max === Number.MAX_SAFE_INTEGER
            ? 'a positive integer'
            : `an integer from ${min} to ${max}`;
      this.fail(field, range, value);
    }
    return value;
  }

  /** A duration in whole milliseconds that a timer can wait: an integer in [min, 2147483647]. */
  durationMs(field: string, value: unknown, min = 0): number {
    return this.integer(field, value, min, MAX_TIMER_MS);
  }

  /** `record[field]` as a {@link durationMs}, or `fallback` when absent. */
  durationOr(record: Record<string, unknown>, field: string, fallback: number): number {
    return record[field] === undefined ? fallback : this.durationMs(field, record[field]);
  }

  /** `record[field]` as a count (an integer from 0 to 10 000 000), or `fallback` when absent. */
  countOr(record: Record<string, unknown>, field: string, fallback: number): number {
    return record[field] === undefined
      ? fallback
      : this.integer(field, record[field], 0, 10_000_000);
  }

  /** `record[field]` as a boolean, or `fallback` when absent. */
  booleanOr(record: Record<string, unknown>, field: string, fallback: boolean): boolean {
    return record[field] === undefined ? fallback : this.boolean(field, record[field]);
  }

  /** Refuses a `kind` other than `expected` (absent is fine: the constructor says which). */
  kind(record: Record<string, unknown>, expected: string): void {
    if (record.kind !== undefined && record.kind !== expected) {
      this.fail('kind', JSON.stringify(expected), record.kind);
    }
  }

  /** A finite number >= min. */
  number(field: string, value: unknown, min: number): number {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
      this.fail(field, `a finite number >= ${min}`, value);
    }
    return value;
  }

  signal(field: string, value: unknown): NodeJS.Signals {
    if (!isSignalName(value)) this.fail(field, 'a signal name such as "SIGTERM"', value);
    return value;
  }

  /** An instance id: `^[a-z0-9][a-z0-9_-]{0,63}$`. */
  id(field: string, value: unknown): string {
    if (typeof value !== 'string' || !ID_PATTERN.test(value)) {
      this.fail(
        field,
        `a slug matching ${ID_PATTERN} (lowercase letters, digits, "_" and "-")`,
        value,
      );
    }
    return value;
  }

  /** A RegExp, or a non-empty string matched as a substring. */
  pattern(field: string, value: unknown): RegExp | string {
    if (value instanceof RegExp) {
      if (value.source === '(?:)') this.fail(field, 'a non-empty pattern', value);
      return value;
    }
    return this.string(field, value, { nonEmpty: true });
  }
}

/** Validates `config.id` before anything else, so every later message can name the instance. */
export function validateInstanceId(config: unknown): {
  validator: ConfigValidator;
  record: Record<string, unknown>;
  id: string;
} {
  const root = new ConfigValidator(undefined);
  const record = root.object('config', config);
  const id = root.id('id', record.id);
  return { validator: new ConfigValidator(id), record, id };
}
