import { describe, expectTypeOf, it } from 'vitest';
import {
  type AnySupervisor,
  type BuiltSupervisor,
  type ComposeSupervisor,
  createSupervisor,
  Fleet,
  type FleetAction,
  type FleetCommand,
  type FleetSnapshotEntry,
  type FleetStateEvent,
  type InstanceState,
  type ProcessSupervisor,
  type Supervisor,
  type SupervisorConfig,
} from '../../src/index.js';
import { FakeSupervisor } from '../../src/testing/index.js';

describe('fleet public types', () => {
  it('createSupervisor narrows on a literal kind and falls back to Supervisor', () => {
    expectTypeOf(createSupervisor({ kind: 'process', id: 'a' })).toEqualTypeOf<ProcessSupervisor>();
    expectTypeOf(
      createSupervisor({ kind: 'compose', id: 'a', cwd: '.' }),
    ).toEqualTypeOf<ComposeSupervisor>();
    const loaded: unknown = JSON.parse('{}');
    expectTypeOf(createSupervisor(loaded)).toEqualTypeOf<BuiltSupervisor>();
    const typed = { kind: 'process', id: 'a' } as SupervisorConfig;
    expectTypeOf(createSupervisor(typed)).toEqualTypeOf<BuiltSupervisor>();
    // @ts-expect-error compose needs cwd
    const _missingCwd: SupervisorConfig = { kind: 'compose', id: 'a' };
  });

  it('Fleet keeps the added type and takes commands as unknown', () => {
    const fleet = new Fleet();
    expectTypeOf(fleet.add(new FakeSupervisor({ id: 'a' }))).toEqualTypeOf<FakeSupervisor>();
    expectTypeOf(fleet.get('a')).toEqualTypeOf<AnySupervisor | undefined>();
    const got = fleet.get('a');
    // A process instance's pid needs no cast: narrow on kind.
    if (got?.kind === 'process') expectTypeOf(got.pid).toEqualTypeOf<number | undefined>();
    const own = new Fleet<Supervisor>();
    expectTypeOf(own.get('a')).toEqualTypeOf<Supervisor | undefined>();
    expectTypeOf(fleet.dispatch).parameter(0).toEqualTypeOf<unknown>();
    expectTypeOf(
      fleet.dispatch({ instanceId: 'a', action: 'start' }),
    ).resolves.toEqualTypeOf<InstanceState>();
    expectTypeOf(fleet.snapshot()).toEqualTypeOf<FleetSnapshotEntry[]>();
    expectTypeOf(fleet.states()).toEqualTypeOf<AsyncIterableIterator<FleetStateEvent>>();
    expectTypeOf(fleet.stopAll()).resolves.toEqualTypeOf<string[]>();
    expectTypeOf<FleetCommand['action']>().toEqualTypeOf<FleetAction>();
    expectTypeOf<FleetAction>().toEqualTypeOf<'start' | 'stop' | 'restart' | 'kill' | 'send'>();
    expectTypeOf(fleet).toMatchTypeOf<AsyncDisposable>();
    expectTypeOf(fleet.close).returns.toEqualTypeOf<Promise<void>>();
    fleet.on('crash', (instanceId, details) => {
      expectTypeOf(instanceId).toEqualTypeOf<string>();
      expectTypeOf(details.exitCode).toEqualTypeOf<number | undefined>();
    });
    // @ts-expect-error a typo in a fleet event name does not compile
    fleet.on('crashed', () => undefined);
  });
});
