import { describe, expect, it } from 'vitest';
import { Fleet, type FleetStateEvent, GamewardError, States } from '../../src/index.js';
import { FakeSupervisor } from '../../src/testing/index.js';

/** A fake whose disposal fails, as a supervisor whose engine went away might. */
class BrokenDisposal extends FakeSupervisor {
  override async close(): Promise<void> {
    await super.close();
    throw new GamewardError('ERR_STOP_FAILED', 'engine gone', { instanceId: this.instanceId });
  }
}

describe('Fleet.stopAll', () => {
  it('stops what runs or starts, leaves the rest alone, and resolves with the ids it stopped', async () => {
    await using fleet = new Fleet();
    const running = fleet.add(new FakeSupervisor({ id: 'running' }));
    const idle = fleet.add(new FakeSupervisor({ id: 'idle' }));
    const starting = fleet.add(new FakeSupervisor({ id: 'starting', startDelayMs: 100 }));
    await running.start();
    const start = starting.start();
    await starting.waitFor('starting');
    await expect(fleet.stopAll()).resolves.toEqual(['running', 'starting']);
    expect(fleet.snapshot().map((e) => e.state)).toEqual([
      States.stopped,
      States.stopped,
      States.stopped,
    ]);
    expect(idle.calls).toEqual([]);
    // Lifecycle calls are serialized: the stop waited for the start under way, which succeeded.
    await expect(start).resolves.toBeUndefined();
    expect(starting.calls.map((c) => c.method)).toEqual(['start', 'stop']);
  });

  it('keeps at most `concurrency` stops in flight', async () => {
    await using fleet = new Fleet();
    const all = ['a', 'b', 'c', 'd', 'e'].map((id) =>
      fleet.add(new FakeSupervisor({ id, stopDelayMs: 30 })),
    );
    for (const s of all) await s.start();
    let inFlight = 0;
    let peak = 0;
    for (const s of all) {
      s.on('state', (next) => {
        if (next.state === 'stopping') peak = Math.max(peak, ++inFlight);
        if (next.state === 'stopped') inFlight -= 1;
      });
    }
    await expect(fleet.stopAll({ concurrency: 2 })).resolves.toHaveLength(5);
    expect(peak).toBe(2);
  });

  it('finishes every other stop, then rejects with an AggregateError of the failures', async () => {
    await using fleet = new Fleet();
    const good = fleet.add(new FakeSupervisor({ id: 'good' }));
    const bad = fleet.add(new FakeSupervisor({ id: 'bad' }));
    await good.start();
    await bad.start();
    const failure = new GamewardError('ERR_STOP_FAILED', 'stuck', { instanceId: 'bad' });
    bad.failNext('stop', failure);
    const error = await fleet.stopAll().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AggregateError);
    expect((error as AggregateError).errors).toEqual([failure]);
    expect((error as AggregateError).message).toBe('1 of 2 instance(s) failed to stop');
    expect(good.state).toBe(States.stopped);
  });

  it.each([0, -1, 1.5, Number.NaN, '2'])('refuses concurrency %j', async (concurrency) => {
    await using fleet = new Fleet();
    await expect(fleet.stopAll({ concurrency: concurrency as number })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
      message: expect.stringContaining('`concurrency` to be a positive integer'),
    });
  });
});

describe('Fleet disposal', () => {
  it('disposes every supervisor, ends every iterator after the final states, and is idempotent', async () => {
    const fleet = new Fleet();
    const a = fleet.add(new FakeSupervisor({ id: 'alpha' }));
    const b = fleet.add(new FakeSupervisor({ id: 'beta' }));
    await a.start();
    const states = fleet.states();
    const seen: string[] = [];
    const drained = (async () => {
      for await (const e of states) seen.push(`${e.instanceId}:${e.state.state}`);
    })();
    const first = fleet[Symbol.asyncDispose]();
    expect(fleet[Symbol.asyncDispose]()).toBe(first);
    await first;
    await drained;
    expect(seen).toEqual(['alpha:running', 'beta:stopped', 'alpha:stopping', 'alpha:stopped']);
    expect(a.disposed && b.disposed).toBe(true);
    expect(fleet.ids).toEqual([]);
    const late = fleet.states();
    await expect(late.next()).resolves.toEqual({ value: undefined, done: true });
  });

  it('refuses add, dispatch and stopAll once disposed', async () => {
    const fleet = new Fleet();
    await fleet[Symbol.asyncDispose]();
    await using orphan = new FakeSupervisor({ id: 'orphan' });
    expect(() => fleet.add(orphan)).toThrow(expect.objectContaining({ code: 'ERR_DISPOSED' }));
    expect(orphan.disposed).toBe(false);
    await expect(fleet.dispatch({ instanceId: 'orphan', action: 'start' })).rejects.toMatchObject({
      code: 'ERR_DISPOSED',
    });
    await expect(fleet.stopAll()).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
  });

  it('disposes the others when one fails, then rejects with an AggregateError and logs it', async () => {
    const logged: object[] = [];
    const logger = {
      debug: () => {},
      info: () => {},
      warn: () => {},
      error: (obj: object) => logged.push(obj),
    };
    const fleet = new Fleet({ logger });
    const broken = fleet.add(new BrokenDisposal({ id: 'broken' }));
    const fine = fleet.add(new FakeSupervisor({ id: 'fine' }));
    await broken.start();
    await fine.start();
    const error = await fleet[Symbol.asyncDispose]().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AggregateError);
    expect((error as AggregateError).errors).toMatchObject([{ code: 'ERR_STOP_FAILED' }]);
    expect(fine.state).toBe(States.stopped);
    expect(broken.state).toBe(States.stopped);
    expect(logged).toContainEqual(expect.objectContaining({ instanceId: 'broken' }));
  });

  it('works with await using', async () => {
    let held: FakeSupervisor;
    const events: FleetStateEvent[] = [];
    {
      await using fleet = new Fleet();
      held = fleet.add(new FakeSupervisor({ id: 'alpha' }));
      await fleet.dispatch({ instanceId: 'alpha', action: 'start' });
      events.push(...fleet.snapshot());
    }
    expect(events.map((e) => e.state.state)).toEqual(['running']);
    expect(held.state).toBe(States.stopped);
    expect(held.disposed).toBe(true);
  });
});
