import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { crashed } from '../../src/state/instance-state.js';
import { FakeSupervisor } from '../../src/testing/fake-supervisor.js';
import { assertLegalSequence, drain } from './arbitraries.js';
import {
  check,
  isLive,
  lifecycleCommands,
  MODEL_AUTO_RESTART,
  type Model,
  outcomeOf,
  type Real,
} from './lifecycle-model.js';

/** The world kills the server: while running, or while it is still starting. */
class Crash implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly exitCode: number | undefined,
    readonly duringStart: boolean,
  ) {}
  check = (model: Readonly<Model>): boolean =>
    this.duringStart ? !isLive(model.label) : model.label === 'running';
  async run(model: Model, real: Real): Promise<void> {
    const before = model.label;
    const sup = real.sup as FakeSupervisor;
    const crash = new Promise((resolve) => sup.once('crash', resolve));
    const pending = this.duringStart ? outcomeOf(sup.start()) : undefined;
    if (pending !== undefined) await sup.waitFor('starting');
    sup.crash(this.exitCode);
    if (pending !== undefined) expect(await pending).toBe('ERR_START_FAILED');
    expect(sup.state).toEqual(crashed({ exitCode: this.exitCode }));
    await crash;
    model.label = 'crashed';
    await check(model, real, before);
  }
  toString = (): string => `crash(${this.exitCode}${this.duringStart ? ', during start' : ''})`;
}

const commands = lifecycleCommands(
  fc
    .tuple(fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }), fc.boolean())
    .map(([code, duringStart]) => new Crash(code, duringStart)),
  async (real) => (real.sup as FakeSupervisor).crash(9),
);

describe('FakeSupervisor against the shared lifecycle model (random interleavings)', () => {
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
          autoRestart: MODEL_AUTO_RESTART,
        });
        const real: Real = { sup, events: [sup.state], world: async () => undefined };
        sup.on('state', (next, previous) => {
          expect(previous).toBe(real.events.at(-1));
          real.events.push(next);
        });
        const subscribers = [sup.states(), sup.states(), sup.states()];
        const model: Model = { label: 'stopped' };
        await fc.asyncModelRun(() => ({ model, real }), cmds);
        await sup.close();
        assertLegalSequence(real.events);
        expect(sup.state.state).toMatch(/^(stopped|crashed)$/);
        for (const sequence of await Promise.all(subscribers.map(drain))) {
          expect(sequence).toEqual(real.events);
        }
      }),
      { numRuns: Number(process.env.GAMEWARD_FAKE_MODEL_RUNS ?? 300) },
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(unhandled).toEqual([]);
  }, 120_000);
});
