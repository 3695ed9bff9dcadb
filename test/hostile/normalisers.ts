import { tmpdir } from 'node:os';
import * as gameward from '../../src/index.js';
import { FakeSupervisor } from '../../src/testing/fake-supervisor.js';

/** Builds a supervisor (or whatever the entry point returns) from an untrusted config. */
export interface Normaliser {
  name: string;
  build: (config: unknown) => unknown;
  /** A config this normaliser accepts, to mutate one field at a time. */
  valid: (id: string) => Record<string, unknown>;
}

type Ctor = new (config: unknown) => unknown;
// The public entry points, looked up by name so this list grows as the implementations land.
const surface = gameward as unknown as Record<string, unknown>;
const ctor = (name: string): Ctor | undefined =>
  typeof surface[name] === 'function' ? (surface[name] as Ctor) : undefined;

/** Every config normaliser of the public surface (the fake's always; the others once exported). */
export function normalisers(): Normaliser[] {
  const list: Normaliser[] = [
    {
      name: 'FakeSupervisor',
      build: (config) => new FakeSupervisor(config as { id: string }),
      valid: (id) => ({ id }),
    },
  ];
  const process = ctor('ProcessSupervisor');
  if (process !== undefined) {
    list.push({
      name: 'ProcessSupervisor',
      build: (config) => new process(config),
      valid: (id) => ({ id, executable: 'sleep', args: ['1'] }),
    });
  }
  const compose = ctor('ComposeSupervisor');
  if (compose !== undefined) {
    list.push({
      name: 'ComposeSupervisor',
      build: (config) => new compose(config),
      valid: (id) => ({ id, cwd: tmpdir() }),
    });
  }
  const create = surface.createSupervisor;
  if (typeof create === 'function') {
    list.push({
      name: 'createSupervisor',
      build: (config) => (create as (c: unknown) => unknown)(config),
      valid: (id) => ({ id, kind: 'process', executable: 'sleep', args: ['1'] }),
    });
  }
  return list;
}

/** Every option name any normaliser knows, top level and nested, so fuzzing reaches the validators. */
export const TOP_KEYS = [
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
  'files',
  'projectName',
  'services',
  'removeOnStop',
  'initial',
  'startDelayMs',
  'stopDelayMs',
  'logger',
];
export const NESTED_KEYS = [
  'pattern',
  'timeoutMs',
  'enabled',
  'maxRestarts',
  'windowMs',
  'initialDelayMs',
  'maxDelayMs',
  'factor',
  'restartOnCleanExit',
  'state',
];

/** Releases whatever a successful build returned (a supervisor that never started). */
export async function release(built: unknown): Promise<void> {
  const dispose = (built as { [Symbol.asyncDispose]?: () => Promise<void> } | null)?.[
    Symbol.asyncDispose
  ];
  if (typeof dispose === 'function') await dispose.call(built);
}
