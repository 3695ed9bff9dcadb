import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { crashed, type InstanceState, type StateLabel } from '../../src/state/instance-state.js';
import { FakeSupervisor } from '../../src/testing/fake-supervisor.js';
import { assertLegalSequence, drain } from './arbitraries.js';

type Op = 'start' | 'stop' | 'restart' | 'kill';
/** What a call must do: resolve, or reject with this code. */
type Outcome = 'ok' | string;

interface Model {
  label: StateLabel;
}

interface Real {
  sup: FakeSupervisor;
  /** The initial state, then every `state` event. */
  events: InstanceState[];
}

const live = (label: StateLabel): boolean => label === 'starting' || label === 'running';

/** Applies one serialized lifecycle call to the model; returns what the call must do. */
function applyOp(model: Model, op: Op): Outcome {
  switch (op) {
    case 'start':
      if (live(model.label)) return 'ERR_ALREADY_RUNNING';
      model.label = 'running';
      return 'ok';
    case 'stop':
      if (!live(model.label)) return 'ERR_NOT_RUNNING';
      model.label = 'stopped';
      return 'ok';
    case 'restart':
      model.label = 'running';
      return 'ok';
    case 'kill':
      if (!live(model.label) && model.label !== 'stopping') return 'ERR_NOT_RUNNING';
      model.label = 'stopped';
      return 'ok';
  }
}

async function outcomeOf(promise: Promise<unknown>): Promise<Outcome> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

function check(model: Model, real: Real): void {
  expect(real.sup.state.state).toBe(model.label);
  assertLegalSequence(real.events);
}

/** Several calls issued in one tick: kill acts at once, the others run one at a time in call order. */
class Batch implements fc.AsyncCommand<Model, Real> {
  constructor(readonly ops: Op[]) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const promises = this.ops.map((op) => real.sup[op]());
    const expected: Outcome[] = new Array(this.ops.length);
    this.ops.forEach((op, i) => {
      if (op === 'kill') expected[i] = applyOp(model, op);
    });
    this.ops.forEach((op, i) => {
      if (op !== 'kill') expected[i] = applyOp(model, op);
    });
    expect(await Promise.all(promises.map(outcomeOf))).toEqual(expected);
    check(model, real);
  }
  toString = (): string => `batch(${this.ops.join(',')})`;
}

/** A start, stop or restart cut short by kill() once it is under way. */
class KillDuring implements fc.AsyncCommand<Model, Real> {
  constructor(readonly op: Exclude<Op, 'kill'>) {}
  check = (model: Readonly<Model>): boolean =>
    this.op === 'start' ? !live(model.label) : model.label === 'running';
  async run(model: Model, real: Real): Promise<void> {
    const transient = this.op === 'start' ? 'starting' : 'stopping';
    const pending = outcomeOf(real.sup[this.op]());
    await real.sup.waitFor(transient);
    expect(await outcomeOf(real.sup.kill())).toBe('ok');
    expect(await pending).toBe('ERR_KILLED');
    model.label = 'stopped';
    check(model, real);
  }
  toString = (): string => `killDuring(${this.op})`;
}

/** The world kills the server: while running, or while it is still starting. */
class Crash implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly exitCode: number | undefined,
    readonly duringStart: boolean,
  ) {}
  check = (model: Readonly<Model>): boolean =>
    this.duringStart ? !live(model.label) : model.label === 'running';
  async run(model: Model, real: Real): Promise<void> {
    const crashes: unknown[] = [];
    real.sup.once('crash', (details) => crashes.push(details));
    const pending = this.duringStart ? outcomeOf(real.sup.start()) : undefined;
    if (pending !== undefined) await real.sup.waitFor('starting');
    real.sup.crash(this.exitCode);
    if (pending !== undefined) expect(await pending).toBe('ERR_SPAWN_FAILED');
    expect(real.sup.state).toEqual(crashed({ exitCode: this.exitCode }));
    expect(crashes).toHaveLength(1);
    model.label = 'crashed';
    check(model, real);
  }
  toString = (): string => `crash(${this.exitCode}${this.duringStart ? ', during start' : ''})`;
}

const ops = fc.constantFrom<Op>('start', 'stop', 'restart', 'kill');
const commands = fc.commands<Model, Real, false>(
  [
    ops.map((op) => new Batch([op])),
    fc.array(ops, { minLength: 2, maxLength: 4 }).map((list) => new Batch(list)),
    fc.constantFrom('start', 'stop', 'restart' as const).map((op) => new KillDuring(op)),
    fc
      .tuple(fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }), fc.boolean())
      .map(([code, duringStart]) => new Crash(code, duringStart)),
  ],
  { maxCommands: 12 },
);

describe('FakeSupervisor model (random interleavings)', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };
  beforeEach(() => {
    unhandled.length = 0;
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(() => {
    process.off('unhandledRejection', onUnhandled);
  });

  it('keeps to the transition table and gives every subscriber the same sequence', async () => {
    await fc.assert(
      fc.asyncProperty(commands, fc.constantFrom(0, 1), async (cmds, delayMs) => {
        const sup = new FakeSupervisor({
          id: 'model',
          startDelayMs: delayMs,
          stopDelayMs: delayMs,
        });
        const real: Real = { sup, events: [sup.state] };
        sup.on('state', (next, previous) => {
          expect(previous).toBe(real.events.at(-1));
          real.events.push(next);
        });
        const subscribers = [sup.states(), sup.states(), sup.states()];
        const model: Model = { label: 'stopped' };
        await fc.asyncModelRun(() => ({ model, real }), cmds);
        await sup[Symbol.asyncDispose]();
        assertLegalSequence(real.events);
        expect(sup.state.state).toMatch(/^(stopped|crashed)$/);
        for (const sequence of await Promise.all(subscribers.map(drain))) {
          expect(sequence).toEqual(real.events);
        }
      }),
      { numRuns: 1500 },
    );
    // Let any stray rejection surface before counting.
    await new Promise((resolve) => setImmediate(resolve));
    expect(unhandled).toEqual([]);
  });
});
