import { describe, expect, it } from 'vitest';
import { crashed, type InstanceState, States } from '../../src/index.js';
import { StateChannel } from '../../src/state/state-channel.js';

function channel(initial: InstanceState = States.stopped) {
  const changes: [string, string][] = [];
  const c = new StateChannel(initial, 'ch-1', (next, previous) =>
    changes.push([previous.state, next.state]),
  );
  return { c, changes };
}

async function take<T>(it: AsyncIterator<T>, n: number): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i += 1) {
    const r = await it.next();
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

describe('StateChannel', () => {
  it('yields the current state first, then every transition in order', async () => {
    const { c } = channel();
    const it = c.subscribe();
    c.set(States.starting);
    c.set(States.running);
    expect((await take(it, 3)).map((s) => s.state)).toEqual(['stopped', 'starting', 'running']);
  });

  it('gives each subscriber its own iterator with the same sequence', async () => {
    const { c } = channel();
    const a = c.subscribe();
    const b = c.subscribe();
    c.set(States.starting);
    c.set(crashed({ exitCode: 2 }));
    expect(await take(a, 3)).toEqual(await take(b, 3));
  });

  it('suppresses identical consecutive states and reports them as no change', () => {
    const { c, changes } = channel();
    expect(c.set(States.starting)).toBe(true);
    expect(c.set(States.starting)).toBe(false);
    expect(changes).toEqual([['stopped', 'starting']]);
  });

  it('throws on an illegal transition and keeps the state', () => {
    const { c } = channel(States.running);
    expect(() => c.set(States.stopped)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_STATE' }),
    );
    expect(c.current).toBe(States.running);
  });

  it('unsubscribes on break', async () => {
    const { c } = channel();
    let seen = 0;
    const done = (async () => {
      for await (const _ of c.subscribe()) {
        seen += 1;
        break;
      }
    })();
    await done;
    c.set(States.starting);
    expect(seen).toBe(1);
    // A second subscriber still gets everything, so the first one's break touched only itself.
    const it = c.subscribe();
    expect((await it.next()).value).toBe(States.starting);
  });

  it('rejects a pending next() with an AbortError when the signal aborts, then ends', async () => {
    const { c } = channel();
    const ac = new AbortController();
    const it = c.subscribe({ signal: ac.signal });
    await it.next();
    const pending = it.next();
    ac.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError', code: 'ERR_ABORTED' });
    expect(await it.next()).toEqual({ value: undefined, done: true });
  });

  it('an iterator made with an aborted signal rejects its first next() with an AbortError', async () => {
    const { c } = channel();
    const it = c.subscribe({ signal: AbortSignal.abort() });
    await expect(it.next()).rejects.toMatchObject({ name: 'AbortError' });
    expect(await it.next()).toEqual({ value: undefined, done: true });
  });

  it('never blocks on a slow consumer: it keeps the newest states within the buffer', async () => {
    const { c } = channel();
    const it = c.subscribe({ bufferSize: 2 });
    for (let i = 0; i < 50; i += 1) {
      c.set(States.starting);
      c.set(States.stopping);
      c.set(States.stopped);
    }
    const got = await take(it, 2);
    expect(got.map((s) => s.state)).toEqual(['stopping', 'stopped']);
  });

  it('ends every iterator on close, after what they had buffered', async () => {
    const { c } = channel();
    const it = c.subscribe();
    c.set(States.starting);
    c.close();
    expect((await take(it, 5)).map((s) => s.state)).toEqual(['stopped', 'starting']);
    const late = c.subscribe();
    expect((await take(late, 5)).map((s) => s.state)).toEqual(['starting']);
  });

  describe('waitFor', () => {
    it('resolves at once when the state already holds', async () => {
      const { c } = channel();
      await expect(c.waitFor('stopped')).resolves.toBe(States.stopped);
    });

    it('resolves on the first matching transition', async () => {
      const { c } = channel();
      const p = c.waitFor((s) => s.state === 'crashed' && s.exitCode === 9);
      c.set(States.starting);
      c.set(crashed({ exitCode: 9 }));
      await expect(p).resolves.toEqual({ state: 'crashed', exitCode: 9 });
    });

    it('rejects ERR_TIMEOUT with the instance and the awaited state in the message', async () => {
      const { c } = channel();
      await expect(c.waitFor('running', { timeoutMs: 5 })).rejects.toMatchObject({
        code: 'ERR_TIMEOUT',
        instanceId: 'ch-1',
        message: expect.stringMatching(/"ch-1".*"running"/),
      });
    });

    it('rejects ERR_ABORTED when aborted, before or during the wait', async () => {
      const { c } = channel();
      await expect(c.waitFor('running', { signal: AbortSignal.abort() })).rejects.toMatchObject({
        code: 'ERR_ABORTED',
      });
      const ac = new AbortController();
      const p = c.waitFor('running', { signal: ac.signal });
      ac.abort();
      await expect(p).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    });

    it('rejects with an AbortError whose cause is the signal reason', async () => {
      const { c } = channel();
      const reason = new Error('shutting down');
      const error = await c
        .waitFor('running', { signal: AbortSignal.abort(reason) })
        .catch((e) => e);
      expect(error).toMatchObject({ name: 'AbortError', code: 'ERR_ABORTED', cause: reason });
    });

    it.each([Number.NaN, -1, 1.5, 3e9, '10'])(
      'rejects timeoutMs %s with ERR_INVALID_ARGUMENT, never a 2 ms ERR_TIMEOUT',
      async (timeoutMs) => {
        const { c } = channel();
        const error = await c
          .waitFor('running', { timeoutMs: timeoutMs as number })
          .catch((e) => e);
        expect(error).toMatchObject({
          code: 'ERR_INVALID_ARGUMENT',
          message: expect.stringContaining('timeoutMs'),
        });
      },
    );

    it('honours timeoutMs: Infinity as no timeout', async () => {
      const { c } = channel();
      const waiting = c.waitFor('starting', { timeoutMs: Number.POSITIVE_INFINITY });
      c.set(States.starting);
      await expect(waiting).resolves.toEqual(States.starting);
    });

    it('rejects (never throws) when the predicate throws', async () => {
      const { c } = channel();
      let result: Promise<unknown> | undefined;
      expect(() => {
        result = c.waitFor(() => {
          throw new Error('bug');
        });
      }).not.toThrow();
      await expect(result).rejects.toThrow('bug');
    });

    it('rejects ERR_DISPOSED when the channel closes', async () => {
      const { c } = channel();
      const p = c.waitFor('running');
      c.close();
      await expect(p).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
    });

    it('propagates a predicate that throws', async () => {
      const { c } = channel();
      const p = c.waitFor((s) => {
        if (s.state === 'starting') throw new Error('boom');
        return false;
      });
      c.set(States.starting);
      await expect(p).rejects.toThrow('boom');
    });
  });
});

describe('StateChannel listener order', () => {
  it('delivers a state set from inside a listener after the one being delivered', () => {
    const seenByLater: string[] = [];
    let c: StateChannel | undefined;
    const listeners: ((next: InstanceState, previous: InstanceState) => void)[] = [
      (next) => {
        if (next.state === 'stopping') c?.set(States.stopped);
      },
      (next) => {
        seenByLater.push(next.state);
      },
    ];
    c = new StateChannel(States.running, 'order', (next, previous) => {
      for (const listener of listeners) listener(next, previous);
    });
    c.set(States.stopping);
    expect(seenByLater).toEqual(['stopping', 'stopped']);
    expect(c.current).toBe(States.stopped);
  });
});
