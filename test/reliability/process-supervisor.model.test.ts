import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProcessSupervisor } from '../../src/process/index.js';
import type { StateLabel } from '../../src/state/instance-state.js';
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
import { isAlive, processesMarked, survivorsAfter } from './os-truth.js';

const SERVER = fileURLToPath(new URL('./fixtures/model-server.sh', import.meta.url));
const MARK = 'GAMEWARD_MODEL_RUN';
const RUNS = Number(process.env.GAMEWARD_MODEL_RUNS ?? 25);

/**
 * The world agrees with the model: a running instance has a live pid, anything else none, and a
 * stop left nothing marked. From `crashed` the crash's own SIGKILL to the group may still be
 * landing, so there the check allows it a moment.
 */
function world(mark: string) {
  return async (model: Model, before: StateLabel, sup: ProcessSupervisor): Promise<void> => {
    const pid = sup.pid;
    if (model.label === 'running') {
      expect(pid).toBeDefined();
      expect(isAlive(pid as number)).toBe(true);
    } else {
      expect(pid === undefined || !isAlive(pid)).toBe(true);
    }
    if (model.label !== 'stopped') return;
    const left =
      before === 'crashed' ? await survivorsAfter(MARK, mark) : processesMarked(MARK, mark);
    expect(left).toEqual([]);
  };
}

/** The world kills the server with SIGKILL: while it runs, or while it is still starting. */
class ExternalCrash implements fc.AsyncCommand<Model, Real> {
  constructor(readonly duringStart: boolean) {}
  check = (m: Readonly<Model>): boolean =>
    this.duringStart ? !isLive(m.label) : m.label === 'running';
  async run(model: Model, real: Real): Promise<void> {
    const before = model.label;
    const sup = real.sup as ProcessSupervisor;
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
    if (starting !== undefined) expect(['ok', 'ERR_START_FAILED']).toContain(await starting);
    model.label = 'crashed';
    await check(model, real, before);
  }
  toString = (): string => `externalCrash(${this.duringStart ? 'during start' : 'running'})`;
}

const commands = lifecycleCommands(
  fc.boolean().map((duringStart) => new ExternalCrash(duringStart)),
  async (real) => {
    process.kill((real.sup as ProcessSupervisor).pid as number, 'SIGKILL');
  },
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
          // Every kill exercises issue 11 defect 4 (no grace after SIGKILL).
          killGraceMs: 0,
          autoRestart: MODEL_AUTO_RESTART,
        });
        const check = world(mark);
        const real: Real = {
          sup,
          events: [sup.state],
          world: (model, before) => check(model, before, sup),
        };
        sup.on('state', (next) => {
          real.events.push(next);
        });
        const subscribers = [sup.states(), sup.states()];
        try {
          const model: Model = { label: 'stopped' };
          await fc.asyncModelRun(() => ({ model, real }), cmds);
        } finally {
          await sup.close();
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
