import type { ConfigValidator } from '../config/validate.js';

/** A normalised `autoRestart` option: whether and how fast a crashed server is restarted. */
export interface AutoRestartConfig {
  readonly enabled: boolean;
  /** Automatic restarts allowed within `windowMs`; the crash after them gives up. */
  readonly maxRestarts: number;
  /** The sliding window restarts are counted in. */
  readonly windowMs: number;
  /** Delay before the first restart of a window; each next one is `factor` times longer. */
  readonly initialDelayMs: number;
  /** Cap on the delay. */
  readonly maxDelayMs: number;
  readonly factor: number;
  /** Whether exit code 0 counts as a crash (Wings restarts on any unexpected exit). */
  readonly restartOnCleanExit: boolean;
}

/**
 * The policy `autoRestart: {}` gives: 3 restarts a minute with 1 s, 2 s, 4 s delays. It is
 * enabled, so `{ ...DEFAULT_AUTO_RESTART, maxRestarts: 5 }` restarts; an instance without an
 * `autoRestart` option does not restart at all.
 */
export const DEFAULT_AUTO_RESTART: AutoRestartConfig = Object.freeze({
  enabled: true,
  maxRestarts: 3,
  windowMs: 60_000,
  initialDelayMs: 1000,
  maxDelayMs: 60_000,
  factor: 2,
  restartOnCleanExit: true,
});

/** No automatic restart: what an instance without an `autoRestart` option gets. */
export const AUTO_RESTART_OFF: AutoRestartConfig = Object.freeze({
  ...DEFAULT_AUTO_RESTART,
  enabled: false,
});

/** The `autoRestart` option: any field may be left out (or `undefined`) for its default. */
export type AutoRestartOptions = {
  [K in keyof AutoRestartConfig]?: AutoRestartConfig[K] | undefined;
};

const KNOWN_KEYS = Object.keys(DEFAULT_AUTO_RESTART);

/**
 * Validates `config.autoRestart`, merging it over {@link DEFAULT_AUTO_RESTART}. Absent: disabled.
 * An object enables automatic restart unless it says `enabled: false`.
 */
export function normalizeAutoRestart(value: unknown, v: ConfigValidator): AutoRestartConfig {
  if (value === undefined) return AUTO_RESTART_OFF;
  const record = v.object('autoRestart', value);
  const nested = v.nested('autoRestart');
  nested.knownKeys(record, KNOWN_KEYS);
  const d = DEFAULT_AUTO_RESTART;
  const pick = <T>(key: keyof AutoRestartConfig, check: (field: string, x: unknown) => T): T =>
    record[key] === undefined ? (d[key] as T) : check(key, record[key]);
  // Passing the object at all means "restart"; `{ maxRestarts: 5 }` that did nothing would be a trap.
  const enabled = record.enabled === undefined ? true : nested.boolean('enabled', record.enabled);
  const maxRestarts = pick('maxRestarts', (f, x) => nested.integer(f, x, 0));
  if (enabled && maxRestarts === 0) {
    nested.fail('maxRestarts', 'a positive integer when `autoRestart.enabled` is true', 0);
  }
  const windowMs = pick('windowMs', (f, x) => nested.integer(f, x, 1));
  const initialDelayMs = pick('initialDelayMs', (f, x) => nested.durationMs(f, x));
  const maxDelayMs = pick('maxDelayMs', (f, x) => nested.durationMs(f, x));
  if (maxDelayMs < initialDelayMs) {
    nested.fail('maxDelayMs', `>= \`autoRestart.initialDelayMs\` (${initialDelayMs})`, maxDelayMs);
  }
  const factor = pick('factor', (f, x) => nested.number(f, x, 1));
  const restartOnCleanExit = pick('restartOnCleanExit', (f, x) => nested.boolean(f, x));
  return Object.freeze({
    enabled,
    maxRestarts,
    windowMs,
    initialDelayMs,
    maxDelayMs,
    factor,
    restartOnCleanExit,
  });
}

/** What to do about one crash. */
export type CrashDecision =
  | { action: 'restart'; attempt: number; delayMs: number }
  | { action: 'give-up'; restarts: number }
  | { action: 'none'; reason: 'disabled' | 'clean-exit' };

/** How a process ended; `null` is accepted as "not applicable", as Node reports it. */
export interface CrashExit {
  exitCode?: number | null | undefined;
  signal?: NodeJS.Signals | null | undefined;
}

/**
 * The crash-loop guard: exponential backoff between automatic restarts, at most `maxRestarts`
 * within a sliding `windowMs`. Pure apart from the clock, which tests inject.
 */
export class CrashPolicy {
  readonly #config: AutoRestartConfig;
  readonly #now: () => number;
  // When each automatic restart within the window was decided, oldest first.
  #restarts: number[] = [];

  constructor(config: AutoRestartConfig, now: () => number = Date.now) {
    this.#config = config;
    this.#now = now;
  }

  onCrash(crash: CrashExit): CrashDecision {
    const c = this.#config;
    if (!c.enabled) return { action: 'none', reason: 'disabled' };
    const clean = crash.exitCode === 0 && (crash.signal === undefined || crash.signal === null);
    if (clean && !c.restartOnCleanExit) return { action: 'none', reason: 'clean-exit' };
    const now = this.#now();
    const since = now - c.windowMs;
    // Restarts older than the window no longer count.
    this.#restarts = this.#restarts.filter((time) => time > since);
    if (this.#restarts.length >= c.maxRestarts) {
      return { action: 'give-up', restarts: this.#restarts.length };
    }
    this.#restarts.push(now);
    const attempt = this.#restarts.length;
    const delayMs = Math.min(
      Math.round(c.initialDelayMs * c.factor ** (attempt - 1)),
      c.maxDelayMs,
    );
    return { action: 'restart', attempt, delayMs };
  }

  /** Forgets past restarts (an explicit start or stop by the user begins afresh). */
  reset(): void {
    this.#restarts = [];
  }
}
