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

  it('ends the iteration when the signal aborts', async () => {
    const { c } = channel();
    const ac = new AbortController();
    const it = c.subscribe({ signal: ac.signal });
    await it.next();
    const pending = it.next();
    ac.abort();
    expect(await pending).toEqual({ value: undefined, done: true });
  });

  it('returns an already-ended iterator for an aborted signal', async () => {
    const { c } = channel();
    const it = c.subscribe({ signal: AbortSignal.abort() });
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

    it('rejects with the signal reason when it is an Error', async () => {
      const { c } = channel();
      const reason = new Error('shutting down');
      await expect(c.waitFor('running', { signal: AbortSignal.abort(reason) })).rejects.toBe(
        reason,
      );
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
