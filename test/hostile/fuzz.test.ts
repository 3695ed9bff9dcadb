import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GamewardError } from '../../src/errors.js';
import { parseFleetCommand } from '../../src/fleet/command.js';
import { stateLabels } from '../../src/state/instance-state.js';
import { fromWire, toWire } from '../../src/state/wire.js';
import { NESTED_KEYS, normalisers, release, TOP_KEYS } from './normalisers.js';

const everything = fc.anything({
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withSparseArray: true,
  withTypedArray: true,
  withUnicodeString: true,
});

/** Returns the error `fn` throws, or undefined; never lets it escape. */
function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
    return undefined;
  } catch (error) {
    return error;
  }
}

function expectOnlyGamewardErrors(error: unknown, codes: readonly string[]): void {
  if (error === undefined) return;
  expect(error).toBeInstanceOf(GamewardError);
  expect(codes).toContain((error as GamewardError).code);
  expect((error as GamewardError).message.length).toBeGreaterThan(0);
}

const wireLike = fc.record(
  {
    state: fc.oneof(fc.constantFrom(...stateLabels), fc.string(), everything),
    exit_code: fc.oneof(
      fc.integer(),
      fc.double(),
      fc.bigInt(),
      fc.constantFrom(null, 2 ** 31, -(2 ** 31) - 1, Number.NaN, '3'),
      everything,
    ),
    signal: fc.oneof(
      fc.constantFrom('SIGKILL', 'SIGTERM', 'sigkill', 'KILL', '', null),
      everything,
    ),
  },
  { requiredKeys: [] },
);

describe('fromWire on arbitrary input', () => {
  it('returns a state that round-trips, or throws ERR_INVALID_STATE, and nothing else', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), everything, wireLike), (value) => {
        let parsed: ReturnType<typeof fromWire> | undefined;
        const error = thrownBy(() => {
          parsed = fromWire(value);
        });
        expectOnlyGamewardErrors(error, ['ERR_INVALID_STATE']);
        if (parsed !== undefined) {
          expect(stateLabels).toContain(parsed.state);
          // What it accepted survives the trip through JSON text unchanged.
          expect(fromWire(JSON.parse(JSON.stringify(toWire(parsed))))).toEqual(parsed);
        }
      }),
      { numRuns: 5000 },
    );
  });
});

describe('parseFleetCommand on arbitrary input', () => {
  it('returns a command or throws ERR_INVALID_ARGUMENT / ERR_INVALID_ACTION', () => {
    const commandLike = fc.record(
      { instanceId: fc.oneof(fc.string(), everything), action: fc.oneof(fc.string(), everything) },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), everything, commandLike), (value) => {
        const error = thrownBy(() => parseFleetCommand(value));
        expectOnlyGamewardErrors(error, ['ERR_INVALID_ARGUMENT', 'ERR_INVALID_ACTION']);
      }),
      { numRuns: 3000 },
    );
  });
});

const slug = fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,20}$/);
const leaf = fc.oneof(
  everything,
  fc.integer({ min: -5, max: 100_000 }),
  fc.string(),
  fc.constantFrom('SIGTERM', 'SIGKILL', 'NOPE', 'process', 'compose', 'sleep', '/bin/sh', '', '\0'),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }),
);
const nested = fc.dictionary(fc.constantFrom(...NESTED_KEYS), leaf, { maxKeys: 4 });
/** Config-shaped values: a usually valid id, then known option names with arbitrary values. */
const configLike = fc
  .tuple(
    fc.oneof({ arbitrary: slug, weight: 4 }, { arbitrary: everything, weight: 1 }),
    fc.option(fc.constantFrom('process', 'compose'), { nil: undefined }),
    fc.dictionary(fc.constantFrom(...TOP_KEYS), fc.oneof(leaf, nested), { maxKeys: 5 }),
  )
  .map(([id, kind, rest]) => (kind === undefined ? { ...rest, id } : { ...rest, kind, id }));

describe.each(normalisers())('$name config normaliser on arbitrary input', ({ build, valid }) => {
  it('builds, or throws ERR_INVALID_CONFIG, and nothing else', async () => {
    // A config this normaliser accepts, with one or two options replaced by anything.
    const nearValid = fc
      .tuple(
        slug,
        fc.dictionary(fc.constantFrom(...TOP_KEYS), fc.oneof(leaf, nested), { maxKeys: 2 }),
      )
      .map(([id, rest]) => ({ ...valid(id), ...rest }));
    let built = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.jsonValue(), everything, configLike, nearValid),
        async (config) => {
          let result: unknown;
          const error = thrownBy(() => {
            result = build(config);
          });
          expectOnlyGamewardErrors(error, ['ERR_INVALID_CONFIG']);
          if (error === undefined) {
            built += 1;
            await release(result);
          }
        },
      ),
      { numRuns: 3000 },
    );
    // The generator reaches past the id check: some configs are valid.
    expect(built).toBeGreaterThan(0);
  });
});
