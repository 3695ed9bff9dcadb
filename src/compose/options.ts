import { resolve } from 'node:path';
import { type ConfigValidator, validateInstanceId } from '../config/validate.js';
import { DEFAULT_OUTPUT_BUFFER_LINES } from '../console/output-hub.js';
import { normalizeReadiness, type ReadinessConfig } from '../console/readiness.js';

/** The graceful stop budget handed to `compose stop -t` (the seed's 30 s). */
export const DEFAULT_COMPOSE_STOP_TIMEOUT_MS = 30_000;
/** The pause between stop and start in `restart()` (as for processes). */
export const DEFAULT_COMPOSE_RESTART_DELAY_MS = 2000;
/**
 * How long a start may sit in `starting` waiting for healthchecks (and the readiness line) when no
 * `readiness.timeoutMs` says otherwise.
 */
export const DEFAULT_COMPOSE_START_TIMEOUT_MS = 120_000;
/** Output lines attached to a `crash` event. */
export const DEFAULT_COMPOSE_CRASH_LINES = 20;

/** Compose's own rule for project names; nothing that starts with `-` can pass as a CLI flag. */
export const PROJECT_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]*$/;
/** Compose's rule for service names. */
export const SERVICE_NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9._-]*$/;

/** Configuration of a {@link ComposeSupervisor}; `id` and `cwd` are required. */
export interface ComposeSupervisorConfig {
  /** A slug safe as a NATS subject segment: `^[a-z0-9][a-z0-9_-]{0,63}$`. */
  id: string;
  /** Accepted so a fleet entry can be passed as is; nothing else than `'compose'`. */
  kind?: 'compose' | undefined;
  /** The stack's directory (relative paths are resolved against the host's cwd now). */
  cwd: string;
  /** Compose files, relative to `cwd` (default: compose's own discovery, `compose.yaml`...). */
  files?: readonly string[] | undefined;
  /** The compose project (default: the id). Lowercase `[a-z0-9][a-z0-9_-]*`, as compose wants. */
  projectName?: string | undefined;
  /** The services whose containers define the state (default: every service of the stack). */
  services?: readonly string[] | undefined;
  /** Merged over the host's environment for every docker and compose command (`DOCKER_HOST`). */
  env?: Readonly<Record<string, string>> | undefined;
  /** The graceful stop budget, default 30000 ms; compose gets it in whole seconds, rounded up. */
  stopTimeoutMs?: number | undefined;
  /** Pause between stop and start in `restart()`, default 2000 ms. */
  restartDelayMs?: number | undefined;
  /** false (default): stop keeps containers and volumes (`compose stop`); true: `compose down`. */
  removeOnStop?: boolean | undefined;
  /** true (default): dispose stops the stack; false: dispose leaves it running for the next host. */
  stopOnDispose?: boolean | undefined;
  /** Stay `starting` until a line of a selected service's logs matches `pattern` (ANSI stripped). */
  readiness?: { pattern: RegExp | string; timeoutMs?: number | undefined } | undefined;
  /** Console lines kept for `recentOutput()` (default 1000). */
  outputBufferLines?: number | undefined;
  /** Console lines attached to a `crash` event (default 20). */
  crashLines?: number | undefined;
  /** The docker CLI to run (default `docker`, looked up on the PATH of `env`). */
  docker?: string | undefined;
}

/** A validated compose config with every default applied. */
export interface NormalizedComposeConfig {
  readonly id: string;
  readonly cwd: string;
  readonly files: readonly string[];
  readonly projectName: string;
  /** undefined: every service of the stack. */
  readonly services: readonly string[] | undefined;
  readonly env: Readonly<Record<string, string>> | undefined;
  readonly stopTimeoutMs: number;
  readonly restartDelayMs: number;
  readonly removeOnStop: boolean;
  readonly stopOnDispose: boolean;
  readonly readiness: ReadinessConfig | undefined;
  /** The starting phase's bound: `readiness.timeoutMs`, or the default. */
  readonly startTimeoutMs: number;
  readonly outputBufferLines: number;
  readonly crashLines: number;
  readonly docker: string;
}

const KNOWN_KEYS = [
  'id',
  'kind',
  'cwd',
  'files',
  'projectName',
  'services',
  'env',
  'stopTimeoutMs',
  'restartDelayMs',
  'removeOnStop',
  'stopOnDispose',
  'readiness',
  'outputBufferLines',
  'crashLines',
  'docker',
];

/**
 * Validates a {@link ComposeSupervisorConfig} and applies the defaults. Does no I/O. Every failure
 * is an `ERR_INVALID_CONFIG` naming the instance, the field and the value.
 */
export function normalizeComposeConfig(config: unknown): NormalizedComposeConfig {
  const { validator: v, record, id } = validateInstanceId(config);
  v.knownKeys(record, KNOWN_KEYS);
  v.kind(record, 'compose');
  const ms = (field: string, fallback: number): number => v.durationOr(record, field, fallback);
  const count = (field: string, fallback: number): number => v.countOr(record, field, fallback);
  const flag = (field: string, fallback: boolean): boolean => v.booleanOr(record, field, fallback);
  const readiness = normalizeReadiness(record.readiness, v);
  return Object.freeze({
    id,
    cwd: resolve(v.string('cwd', record.cwd, { nonEmpty: true })),
    files: Object.freeze(normalizeFiles(record.files, v)),
    projectName: normalizeProjectName(record.projectName ?? id, v),
    services: normalizeServices(record.services, v),
    env: record.env === undefined ? undefined : Object.freeze(v.env('env', record.env)),
    stopTimeoutMs: ms('stopTimeoutMs', DEFAULT_COMPOSE_STOP_TIMEOUT_MS),
    restartDelayMs: ms('restartDelayMs', DEFAULT_COMPOSE_RESTART_DELAY_MS),
    removeOnStop: flag('removeOnStop', false),
    stopOnDispose: flag('stopOnDispose', true),
    readiness,
    startTimeoutMs: readiness?.timeoutMs ?? DEFAULT_COMPOSE_START_TIMEOUT_MS,
    outputBufferLines: count('outputBufferLines', DEFAULT_OUTPUT_BUFFER_LINES),
    crashLines: count('crashLines', DEFAULT_COMPOSE_CRASH_LINES),
    docker: v.optionalString('docker', record.docker, { nonEmpty: true }) ?? 'docker',
  });
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
