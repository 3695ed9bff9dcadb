import { resolve } from 'node:path';
import type { ConfigValidator } from '../config/validate.js';
import {
  type ConfigTable,
  type LifecycleConfig,
  lifecycleTable,
  type Normalized,
} from '../core/settings.js';

/**
 * A stack name as `docker stack deploy` takes it: lowercase, starting with a letter or digit, so
 * nothing can pass as a CLI flag; at most 63 characters because swarm prefixes service names
 * (`<stack>_<service>`) and service names are DNS labels.
 */
export const STACK_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;
/** A compose service name, as the stack file spells it. */
export const SERVICE_NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9._-]*$/;

/** Configuration of a {@link SwarmSupervisor}; `id`, `cwd`, `files` and `stackName` are required. */
export interface SwarmSupervisorConfig extends LifecycleConfig {
  /** Accepted so a fleet entry can be passed as is; nothing else than `'swarm'`. */
  kind?: 'swarm' | undefined;
  /** Where `docker stack deploy` runs: relative paths in the stack files resolve against it. */
  cwd: string;
  /** The stack (compose) files, relative to `cwd`: at least one (`docker stack deploy -c`). */
  files: readonly string[];
  /** The stack's name: `[a-z0-9][a-z0-9_-]*`, at most 63 characters. */
  stackName: string;
  /**
   * The services whose replicas define the state (default: every service of the stack). Output
   * comes from every service; a crash's `lastLines` from the service that died.
   */
  services?: readonly string[] | undefined;
  /**
   * Merged over the host's environment for every docker command (`DOCKER_HOST` names the
   * manager; variables the stack files interpolate).
   */
  env?: Readonly<Record<string, string>> | undefined;
  /** The docker CLI to run for `stack deploy` and `stack rm` (default `docker` on the PATH). */
  docker?: string | undefined;
}

const swarmTable = {
  ...lifecycleTable,
  cwd: (value: unknown, v: ConfigValidator, field: string): string =>
    resolve(v.string(field, value, { nonEmpty: true })),
  files: (value: unknown, v: ConfigValidator, field: string): readonly string[] =>
    Object.freeze(normalizeFiles(value, v, field)),
  stackName: (value: unknown, v: ConfigValidator, field: string): string => {
    if (typeof value !== 'string' || !STACK_NAME_PATTERN.test(value)) {
      v.fail(field, `a stack name matching ${STACK_NAME_PATTERN}`, value);
    }
    return value;
  },
  services: (value: unknown, v: ConfigValidator, field: string): readonly string[] | undefined =>
    value === undefined ? undefined : Object.freeze(normalizeServices(value, v, field)),
  env: (value: unknown, v: ConfigValidator, field: string) =>
    value === undefined ? undefined : Object.freeze(v.env(field, value)),
  docker: (value: unknown, v: ConfigValidator, field: string): string =>
    v.optionalString(field, value, { nonEmpty: true }) ?? 'docker',
} satisfies ConfigTable<SwarmSupervisorConfig>;

/** The swarm option table, for `normalizeConfig`. */
export { swarmTable };

/** A validated {@link SwarmSupervisorConfig} with every default applied. */
export type NormalizedSwarmConfig = Normalized<typeof swarmTable>;

function normalizeFiles(value: unknown, v: ConfigValidator, field: string): string[] {
  const files = v.stringArray(field, value);
  if (files.length === 0) v.fail(field, 'a non-empty array of stack files', value);
  files.forEach((file, i) => {
    // `-c -` reads stdin and a leading dash reads as a flag: `./-x.yaml` says the same safely.
    if (file.length === 0 || file.startsWith('-')) {
      v.fail(`${field}[${i}]`, 'a file path not starting with "-"', file);
    }
  });
  return files;
}

function normalizeServices(value: unknown, v: ConfigValidator, field: string): string[] {
  const services = v.stringArray(field, value);
  if (services.length === 0) v.fail(field, 'a non-empty array (omit it for all)', value);
  services.forEach((service, i) => {
    if (!SERVICE_NAME_PATTERN.test(service)) {
      v.fail(`${field}[${i}]`, `a service name matching ${SERVICE_NAME_PATTERN}`, service);
    }
  });
  return [...new Set(services)];
}
