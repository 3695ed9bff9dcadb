import { isAbsolute, resolve } from 'node:path';
import type { ConfigValidator } from '../config/validate.js';
import {
  type ConfigTable,
  fields,
  type LifecycleConfig,
  lifecycleTable,
  type Normalized,
  normalizeConfig,
} from '../core/settings.js';
import { hostField, type NormalizedSshConfig, type RemoteHostConfig } from '../remote/options.js';

/** The bounded wait after the force kill before `stop()` gives up with `ERR_STOP_FAILED`. */
export const DEFAULT_KILL_GRACE_MS = 5000;

/** Configuration of a {@link ProcessSupervisor}; only `id` is required. */
export interface ProcessSupervisorConfig extends LifecycleConfig {
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
  /**
   * The server's working directory. Default: the executable's folder when `executable` is a
   * path (as the seed did); the host's working directory when it is a bare name found on PATH.
   */
  cwd?: string | undefined;
  /** Merged over the host's environment. */
  env?: Readonly<Record<string, string>> | undefined;
  /** The graceful stop signal (default SIGTERM). */
  stopSignal?: NodeJS.Signals | undefined;
  /** Wait after the force kill before stop() rejects `ERR_STOP_FAILED`, default 5000 ms. */
  killGraceMs?: number | undefined;
  /** Written to stdin as the first step of a stop (`quit`, `stop`, `exit`). */
  stopCommand?: string | undefined;
  /**
   * A folder shared by a host's instances. With it, the server runs under a keeper (a tiny
   * `sh` process, its parent and reaper) in `<stateDir>/<id>/`, outlives the host, and is adopted
   * by the next host's `refresh()` or `start()`. See docs/process.md.
   */
  stateDir?: string | undefined;
  /** With `stateDir`: output bytes kept per stream while no host reads them (default 16 MiB). */
  outputCapBytes?: number | undefined;
  /**
   * Run the server on another machine, reached over SSH (`{ ssh: { host, user, privateKey,
   * knownHosts } }`), under the keeper there; `stateDir` is then a remote path (default
   * `.gameward` in the login's home). See docs/remote.md.
   */
  host?: RemoteHostConfig | NormalizedSshConfig | undefined;
}

const processTable = {
  ...lifecycleTable,
  executable: (value: unknown, v: ConfigValidator) => normalizeExecutable(value, v),
  args: (value: unknown, v: ConfigValidator): readonly string[] =>
    Object.freeze(value === undefined ? [] : v.stringArray('args', value)),
  cwd: (value: unknown, v: ConfigValidator) => normalizeCwd(value, v),
  env: (value: unknown, v: ConfigValidator): Readonly<Record<string, string>> | undefined =>
    value === undefined ? undefined : Object.freeze(v.env('env', value)),
  stopSignal: (value: unknown, v: ConfigValidator): NodeJS.Signals =>
    value === undefined ? 'SIGTERM' : v.signal('stopSignal', value),
  killGraceMs: fields.duration(DEFAULT_KILL_GRACE_MS),
  stopCommand: (value: unknown, v: ConfigValidator) => normalizeStopCommand(value, v),
  stateDir: (value: unknown, v: ConfigValidator) => normalizeStateDir(value, v),
  outputCapBytes: (value: unknown, v: ConfigValidator): number | undefined =>
    value === undefined ? undefined : v.integer('outputCapBytes', value, 16_384),
  host: (value: unknown, v: ConfigValidator) => hostField(value, v),
} satisfies ConfigTable<ProcessSupervisorConfig>;

/** A validated config with every default applied. */
export type NormalizedProcessConfig = Normalized<typeof processTable>;

/**
 * Validates a {@link ProcessSupervisorConfig} and applies the defaults. Every failure is an
 * `ERR_INVALID_CONFIG` naming the instance, the field and the value.
 */
export function normalizeProcessConfig(config: unknown): NormalizedProcessConfig {
  const normalized = normalizeConfig(config, processTable, 'process');
  if (normalized.host === undefined) return normalized;
  // Paths on a remote host are that host's: kept as given (relative ones are the remote side's
  // to resolve), never against this machine's working directory.
  const raw = config as Partial<Record<'executable' | 'cwd' | 'stateDir', string>>;
  return Object.freeze({
    ...normalized,
    executable: raw.executable,
    cwd: raw.cwd,
    stateDir: raw.stateDir,
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

/** The longest `<stateDir>/<id>/<file>` path the keeper's FIFOs may have (sun_path is 108). */
const MAX_STATE_DIR_LENGTH = 4096 - 64 - 32;

function normalizeStateDir(value: unknown, v: ConfigValidator): string | undefined {
  const dir = v.optionalString('stateDir', value, { nonEmpty: true });
  if (dir === undefined) return undefined;
  const absolute = resolve(dir);
  if (absolute.length > MAX_STATE_DIR_LENGTH) v.fail('stateDir', 'a shorter path', value);
  return absolute;
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
