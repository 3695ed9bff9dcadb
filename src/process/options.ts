import { isAbsolute, resolve } from 'node:path';
import { type ConfigValidator, validateInstanceId } from '../config/validate.js';
import { DEFAULT_OUTPUT_BUFFER_LINES } from '../console/output-hub.js';
import { normalizeReadiness, type ReadinessConfig } from '../console/readiness.js';
import {
  type AutoRestartConfig,
  DEFAULT_AUTO_RESTART,
  normalizeAutoRestart,
} from '../policy/auto-restart.js';

/** The graceful stop budget (the seed's 30 s). */
export const DEFAULT_STOP_TIMEOUT_MS = 30_000;
/** The pause between stop and start in `restart()` (the seed's 2 s). */
export const DEFAULT_RESTART_DELAY_MS = 2000;
/** The bounded wait after the force kill before `stop()` gives up with `ERR_STOP_FAILED`. */
export const DEFAULT_KILL_GRACE_MS = 5000;
/** Output lines attached to a `crash` event. */
export const DEFAULT_CRASH_LINES = 20;

/** Configuration of a {@link ProcessSupervisor}; only `id` is required. */
export interface ProcessSupervisorConfig {
  /** A slug safe as a NATS subject segment: `^[a-z0-9][a-z0-9_-]{0,63}$`. */
  id: string;
  /** Accepted so a fleet entry can be passed as is; nothing else than `'process'`. */
  kind?: 'process' | undefined;
  /**
   * The server binary or script. Absent: the instance is `unmanaged`. A path (with a slash) is
   * used as given, relative ones resolved against the host's cwd now; a bare name is looked up on
   * PATH at start().
   */
  executable?: string | undefined;
  /** Passed verbatim, never through a shell. */
  args?: readonly string[] | undefined;
  /** The server's working directory (default: the directory of the resolved executable). */
  cwd?: string | undefined;
  /** Merged over the host's environment. */
  env?: Readonly<Record<string, string>> | undefined;
  /** The graceful stop signal (default SIGTERM). */
  stopSignal?: NodeJS.Signals | undefined;
  /** Budget of the graceful steps (stop command, then stop signal), default 30000 ms. */
  stopTimeoutMs?: number | undefined;
  /** Pause between stop and start in `restart()`, default 2000 ms. */
  restartDelayMs?: number | undefined;
  /** Wait after the force kill before stop() rejects `ERR_STOP_FAILED`, default 5000 ms. */
  killGraceMs?: number | undefined;
  /** Stay `starting` until a console line matches `pattern` (ANSI stripped). */
  readiness?: { pattern: RegExp | string; timeoutMs?: number | undefined } | undefined;
  /** Written to stdin as the first step of a stop (`quit`, `stop`, `exit`). */
  stopCommand?: string | undefined;
  /** Automatic restarts after a crash (off by default). */
  autoRestart?: Partial<AutoRestartConfig> | undefined;
  /** Console lines kept for `recentOutput()` (default 1000). */
  outputBufferLines?: number | undefined;
  /** Console lines attached to a `crash` event (default 20). */
  crashLines?: number | undefined;
}

/** A validated config with every default applied. */
export interface NormalizedProcessConfig {
  readonly id: string;
  /** Absolute path, or a bare name to look up on PATH; undefined: unmanaged. */
  readonly executable: string | undefined;
  readonly args: readonly string[];
  readonly cwd: string | undefined;
  readonly env: Readonly<Record<string, string>> | undefined;
  readonly stopSignal: NodeJS.Signals;
  readonly stopTimeoutMs: number;
  readonly restartDelayMs: number;
  readonly killGraceMs: number;
  readonly readiness: ReadinessConfig | undefined;
  readonly stopCommand: string | undefined;
  readonly autoRestart: AutoRestartConfig;
  readonly outputBufferLines: number;
  readonly crashLines: number;
}

const KNOWN_KEYS = [
  'id',
  'kind',
  'executable',
  'args',
  'cwd',
  'env',
  'stopSignal',
  'stopTimeoutMs',
  'restartDelayMs',
  'killGraceMs',
  'readiness',
  'stopCommand',
  'autoRestart',
  'outputBufferLines',
  'crashLines',
];

/**
 * Validates a {@link ProcessSupervisorConfig} and applies the defaults. Every failure is an
 * `ERR_INVALID_CONFIG` naming the instance, the field and the value.
 */
export function normalizeProcessConfig(config: unknown): NormalizedProcessConfig {
  const { validator: v, record, id } = validateInstanceId(config);
  v.knownKeys(record, KNOWN_KEYS);
  v.kind(record, 'process');
  const ms = (field: string, fallback: number): number => v.durationOr(record, field, fallback);
  const count = (field: string, fallback: number): number => v.countOr(record, field, fallback);
  return Object.freeze({
    id,
    executable: normalizeExecutable(record.executable, v),
    args: Object.freeze(record.args === undefined ? [] : v.stringArray('args', record.args)),
    cwd: normalizeCwd(record.cwd, v),
    env: record.env === undefined ? undefined : Object.freeze(v.env('env', record.env)),
    stopSignal:
      record.stopSignal === undefined ? 'SIGTERM' : v.signal('stopSignal', record.stopSignal),
    stopTimeoutMs: ms('stopTimeoutMs', DEFAULT_STOP_TIMEOUT_MS),
    restartDelayMs: ms('restartDelayMs', DEFAULT_RESTART_DELAY_MS),
    killGraceMs: ms('killGraceMs', DEFAULT_KILL_GRACE_MS),
    readiness: normalizeReadiness(record.readiness, v),
    stopCommand: normalizeStopCommand(record.stopCommand, v),
    autoRestart:
      record.autoRestart === undefined
        ? DEFAULT_AUTO_RESTART
        : normalizeAutoRestart(record.autoRestart, v),
    outputBufferLines: count('outputBufferLines', DEFAULT_OUTPUT_BUFFER_LINES),
    crashLines: count('crashLines', DEFAULT_CRASH_LINES),
  });
}

function normalizeExecutable(value: unknown, v: ConfigValidator): string | undefined {
  const executable = v.optionalString('executable', value, { nonEmpty: true });
  if (executable === undefined || !hasSeparator(executable)) return executable;
  // Made absolute now: the child's cwd may differ, and so may the host's later.
  return isAbsolute(executable) ? executable : resolve(executable);
}

function normalizeCwd(value: unknown, v: ConfigValidator): string | undefined {
  const cwd = v.optionalString('cwd', value, { nonEmpty: true });
  return cwd === undefined ? undefined : resolve(cwd);
}

function normalizeStopCommand(value: unknown, v: ConfigValidator): string | undefined {
  const command = v.optionalString('stopCommand', value, { nonEmpty: true });
  if (command !== undefined && /[\r\n]/.test(command)) {
    v.fail('stopCommand', 'one line (no "\\r" or "\\n")', command);
  }
  return command;
}

/** True when `name` is a path rather than a bare command name. */
export function hasSeparator(name: string): boolean {
  return name.includes('/') || (process.platform === 'win32' && name.includes('\\'));
}
