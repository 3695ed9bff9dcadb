import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GamewardError } from '../../src/errors.js';
import { ProcessSupervisor } from '../../src/process/index.js';
import type { InstanceState, StateLabel } from '../../src/state/instance-state.js';
import { assertLegalSequence, drain } from './arbitraries.js';
import { isAlive, processesMarked, survivorsAfter } from './os-truth.js';

const SERVER = fileURLToPath(new URL('./fixtures/model-server.sh', import.meta.url));
const MARK = 'GAMEWARD_MODEL_RUN';
const RUNS = Number(process.env.GAMEWARD_MODEL_RUNS ?? 25);

type Op = 'start' | 'stop' | 'restart' | 'kill';
/** 'ok', or the error code a call rejected with. */
type Outcome = string;

interface Model {
  label: StateLabel;
}
interface Real {
  sup: ProcessSupervisor;
  events: InstanceState[];
  mark: string;
}

const isLive = (label: StateLabel): boolean => label === 'running' || label === 'starting';

/**
 * Folds one call's actual outcome into the model, failing when the outcome is not one the
 * model allows. Stop and kill of a crashed instance may either bring down what the crash left of
 * its tree (ok → stopped) or find nothing (ERR_NOT_RUNNING, still crashed): the outcome says which.
 */
function fold(model: Model, op: Op, outcome: Outcome): void {
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

async function outcomeOf(promise: Promise<unknown>): Promise<Outcome> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    if (!(error instanceof GamewardError)) throw error;
    return error.code;
  }
}

/**
 * After every step: the table held, the state agrees with the OS, and a stop left nothing. From
 * `crashed` the crash's own SIGKILL to the group may still be landing (nothing was left for a stop
 * to wait for), so there the check allows it a moment.
 */
async function check(model: Model, real: Real, before: StateLabel): Promise<void> {
  const { sup } = real;
  expect(sup.state.state).toBe(model.label);
  assertLegalSequence(real.events);
  const pid = sup.pid;
  if (model.label === 'running') {
    expect(pid).toBeDefined();
    expect(isAlive(pid as number)).toBe(true);
  } else {
    expect(pid === undefined || !isAlive(pid)).toBe(true);
  }
  if (model.label !== 'stopped') return;
  const left =
    before === 'crashed' ? await survivorsAfter(MARK, real.mark) : processesMarked(MARK, real.mark);
  expect(left).toEqual([]);
}

/**
 * Calls issued in one tick. kill() acts at once, and concurrent kills are one kill. If calls were
 * queued before it, the first of them (in progress, or about to begin) is cut short with
 * ERR_KILLED; every other call waits for the kill and then runs, one at a time in call order.
 */
class Batch implements fc.AsyncCommand<Model, Real> {
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
      // A call was queued: it is the one the kill cuts short, and the kill succeeds.
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

/** The world kills the server with SIGKILL: while it runs, or while it is still starting. */
class ExternalCrash implements fc.AsyncCommand<Model, Real> {
  constructor(readonly duringStart: boolean) {}
  check = (m: Readonly<Model>): boolean =>
    this.duringStart ? !isLive(m.label) : m.label === 'running';
  async run(model: Model, real: Real): Promise<void> {
    const before = model.label;
    const { sup } = real;
    // While starting, the boot line proves the process is up and not yet ready.
    const booted = new Promise<void>((resolve) => {
      const onLine = (line: { text: string }): void => {
        if (line.text !== 'booting') return;
        sup.off('output', onLine);
        resolve();
      };
      sup.on('output', onLine);
    });
    const starting = this.duringStart ? outcomeOf(sup.start()) : undefined;
    if (starting !== undefined) await booted;
    const crashed = sup.waitFor('crashed');
    process.kill(sup.pid as number, 'SIGKILL');
    expect(await crashed).toMatchObject({ state: 'crashed', signal: 'SIGKILL' });
    // A start cut short by the crash fails; one that reached running first succeeded.
    if (starting !== undefined) expect(['ok', 'ERR_SPAWN_FAILED']).toContain(await starting);
    model.label = 'crashed';
    await check(model, real, before);
  }
  toString = (): string => `externalCrash(${this.duringStart ? 'during start' : 'running'})`;
}

/** kill() while a start is under way: the start fails, everything is down. */
class KillDuringStart implements fc.AsyncCommand<Model, Real> {
  check = (m: Readonly<Model>): boolean => !isLive(m.label);
  async run(model: Model, real: Real): Promise<void> {
    const before = model.label;
    const { sup } = real;
    const starting = outcomeOf(sup.start());
    await sup.waitFor('starting');
    expect(await outcomeOf(sup.kill())).toBe('ok');
    expect(await starting).toBe('ERR_KILLED');
    model.label = 'stopped';
    await check(model, real, before);
  }
  toString = (): string => 'killDuringStart';
}

/** kill() while a stop is under way: whatever the ladder was doing, everything is down. */
class KillDuringStop implements fc.AsyncCommand<Model, Real> {
  check = (m: Readonly<Model>): boolean => m.label === 'running';
  async run(model: Model, real: Real): Promise<void> {
    const before = model.label;
    const { sup } = real;
    const stopping = outcomeOf(sup.stop());
    await sup.waitFor('stopping');
    expect(await outcomeOf(sup.kill())).toBe('ok');
    expect(['ok', 'ERR_KILLED']).toContain(await stopping);
    model.label = 'stopped';
    await check(model, real, before);
  }
  toString = (): string => 'killDuringStop';
}

const op = fc.constantFrom<Op>('start', 'stop', 'restart', 'kill');
const commands = fc.commands<Model, Real, false>(
  [
    op.map((o) => new Batch([o])),
    fc.array(op, { minLength: 2, maxLength: 3 }).map((ops) => new Batch(ops)),
    fc.boolean().map((duringStart) => new ExternalCrash(duringStart)),
    fc.constant(new KillDuringStart()),
    fc.constant(new KillDuringStop()),
  ],
  { maxCommands: 12 },
);

describe('ProcessSupervisor model on real processes', () => {
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

  it('keeps to the table, agrees with the OS, and leaves no descendant', async () => {
    await fc.assert(
      fc.asyncProperty(commands, async (cmds) => {
        const mark = randomUUID();
        const sup = new ProcessSupervisor({
          id: 'model',
          executable: SERVER,
          env: { [MARK]: mark },
          readiness: { pattern: 'READY', timeoutMs: 10_000 },
          stopTimeoutMs: 5000,
          restartDelayMs: 0,
        });
        const real: Real = { sup, events: [sup.state], mark };
        sup.on('state', (next) => {
          real.events.push(next);
        });
        const subscribers = [sup.states(), sup.states()];
        try {
          const model: Model = { label: 'stopped' };
          await fc.asyncModelRun(() => ({ model, real }), cmds);
        } finally {
          await sup[Symbol.asyncDispose]();
        }
        assertLegalSequence(real.events);
        for (const sequence of await Promise.all(subscribers.map(drain))) {
          expect(sequence).toEqual(real.events);
        }
        expect(await survivorsAfter(MARK, mark)).toEqual([]);
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(unhandled).toEqual([]);
  }, 180_000);
});
