import { constants } from 'node:os';
import fc from 'fast-check';
import { crashed, type InstanceState, States } from '../../src/state/instance-state.js';
import { canTransition } from '../../src/state/transitions.js';

const signalNames = Object.keys(constants.signals) as NodeJS.Signals[];

/** Any crashed state: with or without an exit code and a signal. */
export const crashedState: fc.Arbitrary<InstanceState> = fc
  .record(
    {
      exitCode: fc.option(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { nil: undefined }),
      signal: fc.option(fc.constantFrom(...signalNames), { nil: undefined }),
    },
    { requiredKeys: [] },
  )
  .map((details) => crashed(details));

/** Any state, `unmanaged` rarely (it is terminal, so it ends every interesting run). */
export const anyState: fc.Arbitrary<InstanceState> = fc.oneof(
  { arbitrary: fc.constant(States.unmanaged), weight: 1 },
  { arbitrary: fc.constant(States.stopped), weight: 4 },
  { arbitrary: fc.constant(States.starting), weight: 4 },
  { arbitrary: fc.constant(States.running), weight: 4 },
  { arbitrary: fc.constant(States.stopping), weight: 4 },
  { arbitrary: crashedState, weight: 4 },
);

/** Throws unless every consecutive pair of `sequence` is a legal transition. */
export function assertLegalSequence(sequence: readonly InstanceState[]): void {
  for (let i = 1; i < sequence.length; i += 1) {
    const from = sequence[i - 1] as InstanceState;
    const to = sequence[i] as InstanceState;
    if (!canTransition(from, to)) {
      throw new Error(
        `illegal transition at ${i}: ${JSON.stringify(from)} -> ${JSON.stringify(to)} in ${JSON.stringify(sequence.map((s) => s.state))}`,
      );
    }
  }
}

/** Drains an iterator that is known to end (its source was closed or disposed). */
export async function drain<T>(iterator: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterator) items.push(item);
  return items;
}
