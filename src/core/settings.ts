import { type ConfigValidator, validateInstanceId } from '../config/validate.js';
import { DEFAULT_OUTPUT_BUFFER_LINES } from '../console/output-hub.js';
import {
  DEFAULT_READINESS_TIMEOUT_MS,
  normalizeReadiness,
  type ReadinessConfig,
} from '../console/readiness.js';
import type { Logger } from '../logger.js';
import {
  type AutoRestartConfig,
  type AutoRestartOptions,
  normalizeAutoRestart,
} from '../policy/auto-restart.js';

/** The graceful stop budget (the seed's 30 s). */
export const DEFAULT_STOP_TIMEOUT_MS = 30_000;
/** The pause between stop and start in `restart()` (the seed's 2 s). */
export const DEFAULT_RESTART_DELAY_MS = 2000;
/** Output lines attached to a `crash` event. */
export const DEFAULT_CRASH_LINES = 20;

/** Normalises one config field: `value` is the user's (possibly undefined). */
export type Field<T> = (value: unknown, v: ConfigValidator, field: string) => T;

/** The options every plane accepts, with the same meaning and the same defaults. */
export interface LifecycleConfig {
  /** A slug safe as a NATS subject segment: `^[a-z0-9][a-z0-9_-]{0,63}$`. */
  id: string;
  /**
   * Stay `starting` until a console line matches `pattern` (ANSI stripped). `timeoutMs`
   * (default 120000) bounds the whole starting phase, ready line or not.
   */
  readiness?: { pattern?: RegExp | string | undefined; timeoutMs?: number | undefined } | undefined;
  /** Automatic restarts after a crash (off unless given; an object enables them). */
  autoRestart?: AutoRestartOptions | undefined;
  /** The graceful stop budget, default 30000 ms. */
  stopTimeoutMs?: number | undefined;
  /** Pause between stop and start in `restart()`, default 2000 ms. */
  restartDelayMs?: number | undefined;
  /** true (default): dispose()/close() stops the instance; false: it is left running. */
  stopOnDispose?: boolean | undefined;
  /** Console lines kept for `recentOutput()` (default 1000). */
  outputBufferLines?: number | undefined;
  /** Console lines attached to a `crash` event (default 20). */
  crashLines?: number | undefined;
}

/** {@link LifecycleConfig} validated, defaults applied: what the core works with. */
export interface LifecycleSettings {
  readonly id: string;
  /** The ready line's pattern; undefined: up as soon as the plane says so. */
  readonly readyPattern: RegExp | string | undefined;
  /** Bounds the whole starting phase. */
  readonly startTimeoutMs: number;
  readonly autoRestart: AutoRestartConfig;
  readonly stopTimeoutMs: number;
  readonly restartDelayMs: number;
  readonly stopOnDispose: boolean;
  readonly outputBufferLines: number;
  readonly crashLines: number;
}

const duration =
  (fallback: number): Field<number> =>
  (value, v, field) =>
    value === undefined ? fallback : v.durationMs(field, value);
const count =
  (fallback: number): Field<number> =>
  (value, v, field) =>
    value === undefined ? fallback : v.integer(field, value, 0, 10_000_000);
const flag =
  (fallback: boolean): Field<boolean> =>
  (value, v, field) =>
    value === undefined ? fallback : v.boolean(field, value);

/** Field normalisers shared by every plane; defaults as documented on {@link LifecycleConfig}. */
export const fields = { duration, count, flag };

/**
 * The lifecycle part of every plane's option table. A plane spreads it into its own table, typed
 * `satisfies ConfigTable<TheConfig>`, so that the compiler checks that the table names every
 * option of the config type and nothing else: there is no hand-kept list of known keys.
 */
export const lifecycleTable = {
  id: (_value: unknown, _v: ConfigValidator, _field: string): string => '',
  kind: (): undefined => undefined,
  readiness: (value: unknown, v: ConfigValidator): ReadinessConfig | undefined =>
    normalizeReadiness(value, v),
  autoRestart: (value: unknown, v: ConfigValidator): AutoRestartConfig =>
    normalizeAutoRestart(value, v),
  stopTimeoutMs: duration(DEFAULT_STOP_TIMEOUT_MS),
  restartDelayMs: duration(DEFAULT_RESTART_DELAY_MS),
  stopOnDispose: flag(true),
  outputBufferLines: count(DEFAULT_OUTPUT_BUFFER_LINES),
  crashLines: count(DEFAULT_CRASH_LINES),
} satisfies Record<keyof LifecycleConfig | 'kind', Field<unknown>>;

/** A table of field normalisers with exactly the keys of config type `C`. */
export type ConfigTable<C> = { readonly [K in keyof Required<C>]: Field<unknown> };

/** What normalising with table `T` gives: each field's normalised type. */
export type Normalized<T extends Record<string, Field<unknown>>> = {
  readonly [K in keyof T]: ReturnType<T[K]>;
};

/**
 * Validates `config` against `table`: the id first (so every message names the instance), then
 * unknown keys, `kind`, and each field. Every failure is an `ERR_INVALID_CONFIG` that names the
 * instance, the field and the value. The result is frozen.
 */
export function normalizeConfig<T extends Record<string, Field<unknown>>>(
  config: unknown,
  table: T,
  kind: string,
): Normalized<T> {
  const { validator: v, record, id } = validateInstanceId(config);
  v.knownKeys(record, Object.keys(table));
  v.kind(record, kind);
  const out: Record<string, unknown> = {};
  for (const [key, normalize] of Object.entries(table)) {
    out[key] = key === 'id' ? id : normalize(record[key], v, key);
  }
  return Object.freeze(out) as Normalized<T>;
}

/** The core's settings out of a normalised config that spread {@link lifecycleTable}. */
export function lifecycleSettings(config: Normalized<typeof lifecycleTable>): LifecycleSettings {
  const readiness = config.readiness;
  return Object.freeze({
    id: config.id,
    readyPattern: readiness?.pattern,
    startTimeoutMs: readiness?.timeoutMs ?? DEFAULT_READINESS_TIMEOUT_MS,
    autoRestart: config.autoRestart,
    stopTimeoutMs: config.stopTimeoutMs,
    restartDelayMs: config.restartDelayMs,
    stopOnDispose: config.stopOnDispose,
    outputBufferLines: config.outputBufferLines,
    crashLines: config.crashLines,
  });
}

/** Supervisor options every implementation accepts besides its config. */
export interface SupervisorOptions {
  /** Where gameward logs; silent when absent. */
  logger?: Logger | undefined;
}
