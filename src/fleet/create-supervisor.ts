import { ComposeSupervisor, type ComposeSupervisorConfig } from '../compose/index.js';
import { ConfigValidator, ID_PATTERN } from '../config/validate.js';
import type { SupervisorOptions } from '../core/settings.js';
import { ProcessSupervisor, type ProcessSupervisorConfig } from '../process/index.js';
import { SwarmSupervisor, type SwarmSupervisorConfig } from '../swarm/index.js';

/** What {@link createSupervisor} builds: narrow on `kind` for plane-specific members. */
export type BuiltSupervisor = ProcessSupervisor | ComposeSupervisor | SwarmSupervisor;

/** The management planes {@link createSupervisor} knows. */
export const supervisorKinds = Object.freeze(['process', 'compose', 'swarm'] as const);

/**
 * One instance's configuration as an app loads it from JSON or YAML: a
 * {@link ProcessSupervisorConfig}, {@link ComposeSupervisorConfig} or {@link SwarmSupervisorConfig},
 * told apart by `kind`.
 */
export type SupervisorConfig =
  | (ProcessSupervisorConfig & { kind: 'process' })
  | (ComposeSupervisorConfig & { kind: 'compose' })
  | (SwarmSupervisorConfig & { kind: 'swarm' });

/**
 * Builds the right supervisor from a plain config object: `kind: 'process'` → a
 * {@link ProcessSupervisor}, `kind: 'compose'` → a {@link ComposeSupervisor}, `kind: 'swarm'` → a
 * {@link SwarmSupervisor}. Validates without
 * I/O: a missing or unknown `kind`, or any invalid field, throws `ERR_INVALID_CONFIG` naming the
 * instance, the field and the value.
 *
 * @example
 * ```ts
 * const fleet = new Fleet();
 * for (const entry of JSON.parse(await readFile('instances.json', 'utf8'))) {
 *   fleet.add(createSupervisor(entry, { logger }));
 * }
 * ```
 */
export function createSupervisor(
  config: ProcessSupervisorConfig & { kind: 'process' },
  options?: SupervisorOptions,
): ProcessSupervisor;
export function createSupervisor(
  config: ComposeSupervisorConfig & { kind: 'compose' },
  options?: SupervisorOptions,
): ComposeSupervisor;
export function createSupervisor(
  config: SwarmSupervisorConfig & { kind: 'swarm' },
  options?: SupervisorOptions,
): SwarmSupervisor;
export function createSupervisor(config: unknown, options?: SupervisorOptions): BuiltSupervisor;
export function createSupervisor(
  config: unknown,
  options: SupervisorOptions = {},
): BuiltSupervisor {
  const record = new ConfigValidator(undefined).object('config', config);
  // Name the instance in the message when its id is usable; the constructor reports a bad id.
  const id = typeof record.id === 'string' && ID_PATTERN.test(record.id) ? record.id : undefined;
  const v = new ConfigValidator(id);
  switch (record.kind) {
    case 'process':
      return new ProcessSupervisor(record as unknown as ProcessSupervisorConfig, options);
    case 'compose':
      return new ComposeSupervisor(record as unknown as ComposeSupervisorConfig, options);
    case 'swarm':
      return new SwarmSupervisor(record as unknown as SwarmSupervisorConfig, options);
    default:
      return v.fail(
        'kind',
        `one of ${supervisorKinds.map((k) => `"${k}"`).join(', ')}`,
        record.kind,
      );
  }
}
