import { describe, expect, it } from 'vitest';
import { Fleet, type FleetStateEvent, GamewardError, States } from '../../src/index.js';
import { FakeSupervisor } from '../../src/testing/index.js';

function fakes(...ids: string[]): FakeSupervisor[] {
  return ids.map((id) => new FakeSupervisor({ id }));
}

async function take<T>(iterator: AsyncIterator<T>, n: number): Promise<T[]> {
  const out: T[] = [];
  while (out.length < n) {
    const next = await iterator.next();
    if (next.done === true) break;
    out.push(next.value);
  }
  return out;
}

const label = (e: FleetStateEvent): string => `${e.instanceId}:${e.state.state}`;

describe('Fleet membership', () => {
  it('holds supervisors by id, in insertion order', async () => {
    await using fleet = new Fleet();
    const [a, b] = fakes('alpha', 'beta');
    expect(fleet.add(a!)).toBe(a);
    fleet.add(b!);
    expect(fleet.ids).toEqual(['alpha', 'beta']);
    expect(fleet.size).toBe(2);
    expect(fleet.get('beta')).toBe(b);
    expect(fleet.get('gamma')).toBeUndefined();
    expect(fleet.has('alpha')).toBe(true);
  });

  it('refuses a duplicate id with ERR_DUPLICATE_INSTANCE', async () => {
    await using fleet = new Fleet();
    fleet.add(new FakeSupervisor({ id: 'alpha' }));
    await using twin = new FakeSupervisor({ id: 'alpha' });
    expect(() => fleet.add(twin)).toThrow(
      expect.objectContaining({ code: 'ERR_DUPLICATE_INSTANCE', instanceId: 'alpha' }),
    );
    expect(() => fleet.add(twin)).toThrow(/"alpha" is already in the fleet/);
  });

  it('remove() hands a supervisor back without stopping it', async () => {
    await using fleet = new Fleet();
    const [a] = fakes('alpha');
    fleet.add(a!);
    await a!.start();
    const states = fleet.states();
    await take(states, 1);
    await using removed = fleet.remove('alpha');
    expect(removed).toBe(a);
    expect(fleet.remove('alpha')).toBeUndefined();
    expect(fleet.ids).toEqual([]);
    expect(a!.state).toBe(States.running);
    // Its transitions no longer reach the fleet's iterators.
    await a!.stop();
    fleet.add(new FakeSupervisor({ id: 'beta' }));
    expect(label((await states.next()).value as FleetStateEvent)).toBe('beta:stopped');
    await states.return?.();
  });
});

describe('Fleet.dispatch', () => {
  it('runs each action on the right instance and resolves with the state after it', async () => {
    await using fleet = new Fleet();
    const [a, b] = fakes('alpha', 'beta');
    fleet.add(a!);
    fleet.add(b!);
    await expect(fleet.dispatch({ instanceId: 'alpha', action: 'start' })).resolves.toBe(
      States.running,
    );
    await expect(fleet.dispatch({ instanceId: 'alpha', action: 'restart' })).resolves.toBe(
      States.running,
    );
    await expect(fleet.dispatch({ instanceId: 'alpha', action: 'kill' })).resolves.toBe(
      States.stopped,
    );
    await fleet.dispatch({ instanceId: 'alpha', action: 'start' });
    await expect(fleet.dispatch({ instanceId: 'alpha', action: 'stop' })).resolves.toBe(
      States.stopped,
    );
    expect(a!.calls.map((c) => c.method)).toEqual(['start', 'restart', 'kill', 'start', 'stop']);
    expect(b!.calls).toEqual([]);
  });

  it('passes the supervisor’s own errors through', async () => {
    await using fleet = new Fleet();
    fleet.add(new FakeSupervisor({ id: 'alpha' }));
    await expect(fleet.dispatch({ instanceId: 'alpha', action: 'stop' })).rejects.toMatchObject({
      code: 'ERR_NOT_RUNNING',
      instanceId: 'alpha',
    });
  });

  it('rejects an unknown instance with ERR_UNKNOWN_INSTANCE naming it and the known ones', async () => {
    await using fleet = new Fleet();
    fleet.add(new FakeSupervisor({ id: 'alpha' }));
    const error = await fleet.dispatch({ instanceId: 'nope', action: 'start' }).catch((e) => e);
    expect(error).toBeInstanceOf(GamewardError);
    expect(error).toMatchObject({ code: 'ERR_UNKNOWN_INSTANCE', instanceId: 'nope' });
    expect(error.message).toBe('Instance "nope": is not in the fleet, which holds "alpha"');
  });

  it('rejects an unknown action with ERR_INVALID_ACTION naming it', async () => {
    await using fleet = new Fleet();
    const [a] = fakes('alpha');
    fleet.add(a!);
    const error = await fleet.dispatch({ instanceId: 'alpha', action: 'reboot' }).catch((e) => e);
    expect(error).toMatchObject({ code: 'ERR_INVALID_ACTION', instanceId: 'alpha' });
    expect(error.message).toContain('got `"reboot"` (string)');
    expect(error.message).toContain('start, stop, restart, kill');
    // Prototype names are not actions.
    await expect(
      fleet.dispatch({ instanceId: 'alpha', action: 'constructor' }),
    ).rejects.toMatchObject({ code: 'ERR_INVALID_ACTION' });
    expect(a!.calls).toEqual([]);
  });

  it.each([
    [null, 'got `null` (null)'],
    ['start alpha', 'got `"start alpha"` (string)'],
    [['alpha', 'start'], '(array)'],
    [42, 'got `42` (number)'],
    [{ action: 'start' }, '`instanceId` to be a non-empty string, got `undefined`'],
    [{ instanceId: '', action: 'start' }, 'got `""` (string)'],
    [{ instanceId: 7, action: 'start' }, 'got `7` (number)'],
    [
      { instanceId: 'alpha' },
      '`action` to be one of start, stop, restart, kill, send, got `undefined`',
    ],
    [{ instanceId: 'alpha', action: 1 }, 'got `1` (number)'],
    [{ instanceId: 'alpha', action: 'stop', force: true }, 'unknown command field `force`'],
  ])('rejects the malformed command %j with ERR_INVALID_ARGUMENT', async (command, message) => {
    await using fleet = new Fleet();
    const [a] = fakes('alpha');
    fleet.add(a!);
    const error = await fleet.dispatch(command).catch((e) => e);
    expect(error).toBeInstanceOf(GamewardError);
    expect(error.code).toBe('ERR_INVALID_ARGUMENT');
    expect(error.message).toContain(message);
    expect(a!.calls).toEqual([]);
  });
});

describe('Fleet.states', () => {
  it('yields every current state first, then transitions, including instances added later', async () => {
    await using fleet = new Fleet();
    const [a, b, c] = fakes('alpha', 'beta', 'gamma');
    fleet.add(a!);
    fleet.add(b!);
    await b!.start();
    const states = fleet.states();
    expect((await take(states, 2)).map(label)).toEqual(['alpha:stopped', 'beta:running']);
    await a!.start();
    fleet.add(c!);
    b!.crash(3);
    const events = await take(states, 4);
    expect(events.map(label)).toEqual([
      'alpha:starting',
      'alpha:running',
      'gamma:stopped',
      'beta:crashed',
    ]);
    expect(events[3]?.state).toEqual({ state: 'crashed', exitCode: 3 });
    await states.return?.();
  });

  it('gives each iterator its own view, and break ends only that one', async () => {
    await using fleet = new Fleet();
    const [a] = fakes('alpha');
    fleet.add(a!);
    const first = fleet.states();
    const second = fleet.states();
    for await (const event of first) {
      expect(label(event)).toBe('alpha:stopped');
      break;
    }
    expect(await first.next()).toEqual({ value: undefined, done: true });
    await a!.start();
    expect((await take(second, 3)).map(label)).toEqual([
      'alpha:stopped',
      'alpha:starting',
      'alpha:running',
    ]);
    await second.return?.();
  });

  it('ends a pending next() when its signal aborts', async () => {
    await using fleet = new Fleet();
    fleet.add(new FakeSupervisor({ id: 'alpha' }));
    const controller = new AbortController();
    const states = fleet.states({ signal: controller.signal });
    await take(states, 1);
    const pending = states.next();
    controller.abort();
    // As `events.on()` does: the aborted iterator rejects with an AbortError, then is done.
    await expect(pending).rejects.toMatchObject({ name: 'AbortError', code: 'ERR_ABORTED' });
    await expect(states.next()).resolves.toEqual({ value: undefined, done: true });
    const aborted = fleet.states({ signal: controller.signal });
    await expect(aborted.next()).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('drops the oldest events for a slow consumer, never the newest', async () => {
    await using fleet = new Fleet();
    const [a] = fakes('alpha');
    fleet.add(a!);
    const states = fleet.states({ bufferSize: 3 });
    for (let i = 0; i < 50; i += 1) {
      await a!.start();
      await a!.stop();
    }
    await a!.start();
    a!.crash(7);
    const seen = await take(states, 3);
    expect(seen.map(label)).toEqual(['alpha:starting', 'alpha:running', 'alpha:crashed']);
    expect(seen[2]?.state).toEqual({ state: 'crashed', exitCode: 7 });
    await states.return?.();
  });
});

describe('Fleet.snapshot', () => {
  it('reports every instance with its state and uptime, without I/O', async () => {
    await using fleet = new Fleet();
    const [a, b] = fakes('alpha', 'beta');
    fleet.add(a!);
    fleet.add(b!);
    await a!.start();
    expect(fleet.snapshot()).toEqual([
      { instanceId: 'alpha', state: States.running, uptimeSeconds: 0 },
      { instanceId: 'beta', state: States.stopped, uptimeSeconds: 0 },
    ]);
  });
});
