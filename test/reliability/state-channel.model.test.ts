import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GamewardError } from '../../src/errors.js';
import { type InstanceState, sameState } from '../../src/state/instance-state.js';
import { StateChannel } from '../../src/state/state-channel.js';
import { canTransition } from '../../src/state/transitions.js';
import { anyState, assertLegalSequence, drain } from './arbitraries.js';

interface Subscriber {
  iterator: AsyncIterableIterator<InstanceState>;
  /** What it must receive: the state current when it subscribed, then every accepted one. */
  expected: InstanceState[];
  /** Buffer size; a subscriber that never reads keeps only the newest `capacity` states. */
  capacity: number;
}

/** One step of a run: set a state, optionally adding a subscriber first. */
const step = fc.record({
  next: anyState,
  subscribe: fc.option(fc.integer({ min: 1, max: 8 }), { freq: 4, nil: undefined }),
});

describe('StateChannel model (thousands of random runs)', () => {
  it('accepts exactly the legal transitions and fans out identical sequences', async () => {
    await fc.assert(
      fc.asyncProperty(anyState, fc.array(step, { maxLength: 60 }), async (initial, steps) => {
        const observed: InstanceState[] = [initial];
        const channel = new StateChannel(initial, 'model', (next, previous) => {
          // The callback sees every accepted transition once, in order, from the right state.
          expect(previous).toBe(observed.at(-1));
          observed.push(next);
        });
        const unbounded = [channel.subscribe(), channel.subscribe(), channel.subscribe()];
        const subscribers: Subscriber[] = unbounded.map((iterator) => ({
          iterator,
          expected: [initial],
          capacity: Number.POSITIVE_INFINITY,
        }));

        for (const { next, subscribe } of steps) {
          if (subscribe !== undefined) {
            subscribers.push({
              iterator: channel.subscribe({ bufferSize: subscribe }),
              expected: [channel.current],
              capacity: subscribe,
            });
          }
          const before = channel.current;
          if (sameState(before, next)) {
            expect(channel.set(next)).toBe(false);
          } else if (canTransition(before, next)) {
            expect(channel.set(next)).toBe(true);
            for (const s of subscribers) s.expected.push(next);
          } else {
            let thrown: unknown;
            try {
              channel.set(next);
            } catch (error) {
              thrown = error;
            }
            expect(thrown).toBeInstanceOf(GamewardError);
            expect((thrown as GamewardError).code).toBe('ERR_INVALID_STATE');
          }
          // A refused or duplicate state never changes anything.
          expect(channel.current).toBe(observed.at(-1));
        }

        channel.close();
        assertLegalSequence(observed);
        const sequences = await Promise.all(subscribers.map((s) => drain(s.iterator)));
        subscribers.forEach((s, i) => {
          const keep = Math.min(s.capacity, s.expected.length);
          // Slow consumers lose the oldest states first, never the newest.
          expect(sequences[i]).toEqual(s.expected.slice(s.expected.length - keep));
        });
        // Every unbounded subscriber saw exactly what the callback saw.
        for (let i = 0; i < unbounded.length; i += 1) expect(sequences[i]).toEqual(observed);
      }),
      { numRuns: 5000 },
    );
  });

  it('resolves waitFor with the first matching state, in order, for every waiter', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(anyState, { maxLength: 30 }),
        fc.constantFrom('starting', 'running', 'stopping', 'stopped', 'crashed' as const),
        async (states, target) => {
          const channel = new StateChannel({ state: 'stopped' }, 'model', () => undefined);
          const waiters = [channel.waitFor(target), channel.waitFor(target)];
          const accepted: InstanceState[] = [channel.current];
          for (const next of states) {
            try {
              if (channel.set(next)) accepted.push(next);
            } catch {
              // Illegal: refused, covered by the test above.
            }
          }
          channel.close();
          const first = accepted.find((s) => s.state === target);
          const results = await Promise.allSettled(waiters);
          for (const result of results) {
            if (first === undefined) {
              expect(result.status).toBe('rejected');
              expect((result as PromiseRejectedResult).reason).toMatchObject({
                code: 'ERR_DISPOSED',
              });
            } else {
              expect(result).toEqual({ status: 'fulfilled', value: first });
            }
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
