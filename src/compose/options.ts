import { resolve } from 'node:path';
import { ConfigValidator } from '../config/validate.js';
import { DEFAULT_READINESS_TIMEOUT_MS } from '../console/readiness.js';
import {
  type ConfigTable,
  DEFAULT_CRASH_LINES,
  DEFAULT_RESTART_DELAY_MS,
  DEFAULT_STOP_TIMEOUT_MS,
  type LifecycleConfig,
  lifecycleTable,
  type Normalized,
  normalizeConfig,
} from '../core/settings.js';
import { DEFAULT_ENGINE_TIMEOUT_MS } from '../engine/client.js';
import { hostField, type NormalizedSshConfig, type RemoteHostConfig } from '../remote/options.js';

/** The graceful stop budget handed to `compose stop -t` (the seed's 30 s). */
export const DEFAULT_COMPOSE_STOP_TIMEOUT_MS = DEFAULT_STOP_TIMEOUT_MS;
/** The pause between stop and start in `restart()` (as for processes). */
export const DEFAULT_COMPOSE_RESTART_DELAY_MS = DEFAULT_RESTART_DELAY_MS;
/** How long the whole starting phase may take when no `readiness.timeoutMs` says otherwise. */
export const DEFAULT_COMPOSE_START_TIMEOUT_MS = DEFAULT_READINESS_TIMEOUT_MS;
/** Output lines attached to a `crash` event. */
export const DEFAULT_COMPOSE_CRASH_LINES = DEFAULT_CRASH_LINES;
/** The bound on each Engine API call and on the engine's part of each compose command. */
export const DEFAULT_COMPOSE_ENGINE_TIMEOUT_MS = DEFAULT_ENGINE_TIMEOUT_MS;

/** Compose's own rule for project names; nothing that starts with `-` can pass as a CLI flag. */
export const PROJECT_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]*$/;
/** Compose's rule for service names. */
export const SERVICE_NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9._-]*$/;

/** Configuration of a {@link ComposeSupervisor}; `id` and `cwd` are required. */
export interface ComposeSupervisorConfig extends LifecycleConfig {
  /** Accepted so a fleet entry can be passed as is; nothing else than `'compose'`. */
  kind?: 'compose' | undefined;
  /**
   * The stack's directory (relative paths are resolved against the host's cwd now). With `host`:
   * an absolute path on the remote host, where the compose files must be.
   */
  cwd: string;
  /** Compose files, relative to `cwd` (default: compose's own discovery, `compose.yaml`...). */
  files?: readonly string[] | undefined;
  /** The compose project (default: the id). Lowercase `[a-z0-9][a-z0-9_-]*`, as compose wants. */
  projectName?: string | undefined;
  /** The services whose containers define the state (default: every service of the stack). */
  services?: readonly string[] | undefined;
  /**
   * Merged over the host's environment for every compose command and for the Engine API client:
   * `DOCKER_HOST` (unix://, tcp:// with `DOCKER_TLS_VERIFY`/`DOCKER_CERT_PATH`, ssh://) points the
   * instance at another engine.
   */
  env?: Readonly<Record<string, string>> | undefined;
  /** false (default): stop keeps containers and volumes (`compose stop`); true: `compose down`. */
  removeOnStop?: boolean | undefined;
  /** The docker CLI to run for compose commands (default `docker`, looked up on the PATH of `env`). */
  docker?: string | undefined;
  /**
   * The bound on each Engine API call (a list, an inspect, opening a stream), default 10000 ms:
   * an engine that accepts connections and never answers fails with `ERR_ENGINE_UNAVAILABLE`
   * within it.
   */
  engineTimeoutMs?: number | undefined;
  /**
   * Run the stack on another machine, reached over SSH (`{ ssh: { host, user, privateKey,
   * knownHosts } }`): its engine's API and the compose CLI both go through the host's one SSH
   * link. `cwd` and `files` are then paths on that host, `env` is set for the commands there, and
   * `env.DOCKER_HOST` may only name a `unix://` socket there. See docs/remote.md.
   */
  host?: RemoteHostConfig | NormalizedSshConfig | undefined;
}

const durationOr =
  (fallback: number, min = 0) =>
  (value: unknown, v: ConfigValidator, field: string): number =>
    value === undefined ? fallback : v.durationMs(field, value, min);

/** The compose option table: the lifecycle options every plane shares, and compose's own. */
export const composeTable = {
  ...lifecycleTable,
  cwd: (value: unknown, v: ConfigValidator, field: string): string =>
    resolve(v.string(field, value, { nonEmpty: true })),
  files: (value: unknown, v: ConfigValidator): readonly string[] =>
    Object.freeze(normalizeFiles(value, v)),
  // Validated after `id`: the default is the id, which normalizeComposeConfig fills in.
  projectName: (value: unknown, v: ConfigValidator): string | undefined =>
    value === undefined ? undefined : normalizeProjectName(value, v),
  services: (value: unknown, v: ConfigValidator): readonly string[] | undefined =>
    normalizeServices(value, v),
  env: (
    value: unknown,
    v: ConfigValidator,
    field: string,
  ): Readonly<Record<string, string>> | undefined =>
    value === undefined ? undefined : Object.freeze(v.env(field, value)),
  removeOnStop: (value: unknown, v: ConfigValidator, field: string): boolean =>
    value === undefined ? false : v.boolean(field, value),
  docker: (value: unknown, v: ConfigValidator, field: string): string =>
    v.optionalString(field, value, { nonEmpty: true }) ?? 'docker',
  engineTimeoutMs: durationOr(DEFAULT_COMPOSE_ENGINE_TIMEOUT_MS, 1),
  host: (value: unknown, v: ConfigValidator) => hostField(value, v),
} satisfies ConfigTable<ComposeSupervisorConfig>;

/** A validated compose config with every default applied. */
export type NormalizedComposeConfig = Omit<Normalized<typeof composeTable>, 'projectName'> & {
  /** The compose project: the given one, or the id. */
  readonly projectName: string;
};

/**
 * Validates a {@link ComposeSupervisorConfig} and applies the defaults. Does no I/O. Every failure
 * is an `ERR_INVALID_CONFIG` naming the instance, the field and the value.
 */
export function normalizeComposeConfig(config: unknown): NormalizedComposeConfig {
  const normalized = normalizeConfig(config, composeTable, 'compose');
  const remote = normalized.host === undefined ? {} : { cwd: remoteCwd(config, normalized.id) };
  return Object.freeze({
    ...normalized,
    ...remote,
    projectName: normalized.projectName ?? normalized.id,
  });
}

/** A remote stack's directory: a path on that host, so it must be absolute and is kept as given. */
function remoteCwd(config: unknown, id: string): string {
  const cwd = (config as { cwd: string }).cwd;
  if (!cwd.startsWith('/')) {
    new ConfigValidator(id).fail('cwd', 'an absolute path on the remote host (with `host`)', cwd);
  }
  return cwd;
}

function normalizeFiles(value: unknown, v: ConfigValidator): string[] {
  if (value === undefined) return [];
  const files = v.stringArray('files', value);
  files.forEach((file, i) => {
    // `-f -` reads stdin and a leading dash reads as a flag: `./-x.yaml` says the same safely.
    if (file.length === 0 || file.startsWith('-')) {
      v.fail(`files[${i}]`, 'a file path not starting with "-"', file);
    }
  });
  return files;
}

function normalizeProjectName(value: unknown, v: ConfigValidator): string {
  if (typeof value !== 'string' || !PROJECT_NAME_PATTERN.test(value)) {
    v.fail('projectName', `a compose project name matching ${PROJECT_NAME_PATTERN}`, value);
  }
  return value;
}

function normalizeServices(value: unknown, v: ConfigValidator): readonly string[] | undefined {
  if (value === undefined) return undefined;
  const services = v.stringArray('services', value);
  if (services.length === 0) v.fail('services', 'a non-empty array (omit it for all)', value);
  services.forEach((service, i) => {
    if (!SERVICE_NAME_PATTERN.test(service)) {
      v.fail(`services[${i}]`, `a service name matching ${SERVICE_NAME_PATTERN}`, service);
    }
  });
  return Object.freeze([...new Set(services)]);
}
