import fc from 'fast-check';
import { expect } from 'vitest';
import { GamewardError } from '../../src/errors.js';
import type { InstanceState, StateLabel } from '../../src/state/instance-state.js';
import type { Supervisor } from '../../src/supervisor.js';
import { assertLegalSequence } from './arbitraries.js';

/**
 * The one lifecycle model every plane's random-interleaving test checks against: the core
 * decides these rules once, so the fake and the process plane (and any later plane) must agree
 * with the same model, not each with its own.
 */
export type Op = 'start' | 'stop' | 'restart' | 'kill';
/** 'ok', or the error code a call rejected with. */
export type Outcome = string;

export interface Model {
  label: StateLabel;
}

/** What a model test holds: the supervisor, every state it went through, and a world check. */
export interface Real<S extends Supervisor = Supervisor> {
  readonly sup: S;
  readonly events: InstanceState[];
  /** Checks the world agrees with the model (processes alive or gone...). */
  world(model: Model, before: StateLabel): Promise<void>;
}

export const isLive = (label: StateLabel): boolean => label === 'running' || label === 'starting';

/**
 * Folds one call's actual outcome into the model, failing when the outcome is not one the model
 * allows. Stop and kill of a crashed instance either bring down what the crash left (or cancel a
 * pending automatic restart: ok → stopped) or find nothing (ERR_NOT_RUNNING, still crashed).
 */
export function fold(model: Model, op: Op, outcome: Outcome): void {
  const from = model.label;
  const allowed: Record<string, StateLabel> =
    op === 'restart'
      ? { ok: 'running' }
      : op === 'start'
        ? isLive(from)
          ? { ERR_ALREADY_RUNNING: from }
          : { ok: 'running' }
        : isLive(from)
          ? { ok: 'stopped' }
          : from === 'crashed'
            ? { ok: 'stopped', ERR_NOT_RUNNING: 'crashed' }
            : { ERR_NOT_RUNNING: from };
  const next = allowed[outcome];
  if (next === undefined) {
    throw new Error(
      `${op} from ${from}: got ${outcome}, allowed ${Object.keys(allowed).join('|')}`,
    );
  }
  model.label = next;
}

export async function outcomeOf(promise: Promise<unknown>): Promise<Outcome> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    if (!(error instanceof GamewardError)) throw error;
    return error.code;
  }
}

export async function check(model: Model, real: Real, before: StateLabel): Promise<void> {
  expect(real.sup.state.state).toBe(model.label);
  assertLegalSequence(real.events);
  await real.world(model, before);
}

/**
 * Calls issued in one tick. kill() acts at once, and concurrent kills are one kill. If calls were
 * queued before it, the first of them (in progress, or about to begin) is cut short with
 * ERR_KILLED; every other call waits for the kill and then runs, one at a time in call order.
 * `start(); kill();` is one such batch (issue 11 defect 8): start rejects, kill resolves, stopped.
 */
export class Batch implements fc.AsyncCommand<Model, Real> {
  constructor(readonly ops: Op[]) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const before = model.label;
    const outcomes = await Promise.all(this.ops.map((op) => outcomeOf(real.sup[op]())));
    const firstKill = this.ops.indexOf('kill');
    const kills = outcomes.filter((_, i) => this.ops[i] === 'kill');
    expect(new Set(kills).size).toBeLessThanOrEqual(1);
    let cut = -1;
    if (firstKill > 0) {
      cut = 0;
      expect(outcomes[0]).toBe('ERR_KILLED');
      expect(kills[0]).toBe('ok');
      model.label = 'stopped';
    } else if (firstKill === 0) {
      fold(model, 'kill', kills[0] as Outcome);
    }
    this.ops.forEach((op, i) => {
      if (op !== 'kill' && i !== cut) fold(model, op, outcomes[i] as Outcome);
    });
    await check(model, real, before);
  }
  toString = (): string => `batch(${this.ops.join(',')})`;
}

/** kill() while a start is under way: the start fails ERR_KILLED, everything is down. */
export class KillDuringStart implements fc.AsyncCommand<Model, Real> {
  check = (m: Readonly<Model>): boolean => !isLive(m.label);
  async run(model: Model, real: Real): Promise<void> {
    const before = model.label;
    const starting = outcomeOf(real.sup.start());
    await real.sup.waitFor('starting');
    expect(await outcomeOf(real.sup.kill())).toBe('ok');
    expect(await starting).toBe('ERR_KILLED');
    model.label = 'stopped';
    await check(model, real, before);
  }
  toString = (): string => 'killDuringStart';
}

/** kill() while a stop is under way: whatever the ladder was doing, everything is down. */
export class KillDuringStop implements fc.AsyncCommand<Model, Real> {
  check = (m: Readonly<Model>): boolean => m.label === 'running';
  async run(model: Model, real: Real): Promise<void> {
    const before = model.label;
    const stopping = outcomeOf(real.sup.stop());
    await real.sup.waitFor('stopping');
    expect(await outcomeOf(real.sup.kill())).toBe('ok');
    expect(['ok', 'ERR_KILLED']).toContain(await stopping);
    model.label = 'stopped';
    await check(model, real, before);
  }
  toString = (): string => 'killDuringStop';
}

/**
 * The world kills the server while it runs or starts, then the user stops it at once. The crash
 * policy (on for every model run) has a restart pending: the stop cancels it (issue 11 defect 7),
 * and nothing comes back.
 */
export class CrashThenStop implements fc.AsyncCommand<Model, Real> {
  constructor(readonly crash: (real: Real) => Promise<void>) {}
  check = (m: Readonly<Model>): boolean => m.label === 'running';
  async run(model: Model, real: Real): Promise<void> {
    const before = model.label;
    const crashed = real.sup.waitFor('crashed');
    await this.crash(real);
    await crashed;
    expect(await outcomeOf(real.sup.stop())).toBe('ok');
    model.label = 'stopped';
    const cameBack = await outcomeOf(real.sup.waitFor('starting', { timeoutMs: 150 }));
    expect(cameBack).toBe('ERR_TIMEOUT');
    await check(model, real, before);
  }
  toString = (): string => 'crashThenStop';
}

/** The shared command set; each plane adds how its world crashes a server. */
export function lifecycleCommands(
  crashes: fc.Arbitrary<fc.AsyncCommand<Model, Real>>,
  crash: (real: Real) => Promise<void>,
  maxCommands = 12,
): fc.Arbitrary<Iterable<fc.AsyncCommand<Model, Real>>> {
  const op = fc.constantFrom<Op>('start', 'stop', 'restart', 'kill');
  return fc.commands<Model, Real, false>(
    [
      op.map((o) => new Batch([o])),
      fc.array(op, { minLength: 2, maxLength: 3 }).map((ops) => new Batch(ops)),
      fc.constant(new KillDuringStart()),
      fc.constant(new KillDuringStop()),
      fc.constant(new CrashThenStop(crash)),
      crashes,
    ],
    { maxCommands },
  );
}

/** The crash policy every model run uses: a restart is pending for a while after each crash. */
export const MODEL_AUTO_RESTART = { maxRestarts: 100, initialDelayMs: 60_000, maxDelayMs: 60_000 };
