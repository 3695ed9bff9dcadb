import { once } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { GamewardError, type InstanceState, States } from '../../src/index.js';
import { FakeSupervisor } from '../../src/testing/index.js';

async function collect(fake: FakeSupervisor, act: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const listener = (next: InstanceState) => seen.push(next.state);
  fake.on('state', listener);
  await act();
  fake.off('state', listener);
  return seen;
}

describe('FakeSupervisor', () => {
  it('goes stopped → starting → running on start and stopping → stopped on stop', async () => {
    await using fake = new FakeSupervisor({ id: 'fake-1' });
    expect(await collect(fake, () => fake.start())).toEqual(['starting', 'running']);
    expect(await collect(fake, () => fake.stop())).toEqual(['stopping', 'stopped']);
  });

  it('rejects like the real ones: ERR_ALREADY_RUNNING, ERR_NOT_RUNNING, ERR_UNMANAGED', async () => {
    await using fake = new FakeSupervisor({ id: 'fake-2' });
    await expect(fake.stop()).rejects.toMatchObject({
      code: 'ERR_NOT_RUNNING',
      instanceId: 'fake-2',
    });
    await fake.start();
    await expect(fake.start()).rejects.toMatchObject({ code: 'ERR_ALREADY_RUNNING' });
    await using unmanaged = new FakeSupervisor({ id: 'fake-3', initial: States.unmanaged });
    await expect(unmanaged.start()).rejects.toMatchObject({ code: 'ERR_UNMANAGED' });
  });

  it('serialises concurrent calls: one of three starts wins', async () => {
    await using fake = new FakeSupervisor({ id: 'fake-4', startDelayMs: 5 });
    const results = await Promise.allSettled([fake.start(), fake.start(), fake.start()]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(
      results
        .filter((r): r is PromiseRejectedResult => r.status === 'rejected')
        .map((r) => (r.reason as GamewardError).code),
    ).toEqual(['ERR_ALREADY_RUNNING', 'ERR_ALREADY_RUNNING']);
  });

  it('simulates a crash with the exit code and the last console lines', async () => {
    await using fake = new FakeSupervisor({ id: 'fake-5' });
    await fake.start();
    fake.emitOutput('loading map');
    fake.emitOutput('segfault!', 'stderr');
    const crash = once(fake, 'crash');
    fake.crash(139, 'SIGSEGV');
    expect(fake.state).toEqual({ state: 'crashed', exitCode: 139, signal: 'SIGSEGV' });
    // The crash event follows the `crashed` transition, as on every plane.
    const [details] = await crash;
    expect(details).toEqual(
      expect.objectContaining({
        exitCode: 139,
        signal: 'SIGSEGV',
        lastLines: [
          expect.objectContaining({ text: 'loading map', stream: 'stdout' }),
          expect.objectContaining({ text: 'segfault!', stream: 'stderr' }),
        ],
      }),
    );
    expect(() => fake.crash()).toThrow(expect.objectContaining({ code: 'ERR_NOT_RUNNING' }));
  });

  it('restarts from crashed and records every lifecycle call', async () => {
    await using fake = new FakeSupervisor({ id: 'fake-6' });
    await fake.start();
    fake.crash(1);
    await fake.restart();
    expect(fake.state).toBe(States.running);
    await fake.kill();
    expect(fake.state).toBe(States.stopped);
    expect(fake.calls.map((c) => c.method)).toEqual(['start', 'restart', 'kill']);
  });

  it('fails the next call on demand, once', async () => {
    await using fake = new FakeSupervisor({ id: 'fake-7' });
    // A launch that fails leaves the instance crashed (no code), as on every plane.
    const boom = new GamewardError('ERR_SPAWN_FAILED', 'nope');
    fake.failNext('start', boom);
    await expect(fake.start()).rejects.toBe(boom);
    expect(fake.state).toEqual({ state: 'crashed' });
    await fake.start();
    expect(fake.state).toBe(States.running);
    // A kill whose halt fails leaves it crashed; a later kill finishes the job.
    const refused = new GamewardError('ERR_STOP_FAILED', 'no');
    fake.failNext('kill', refused);
    const killing = fake.kill();
    expect(killing).toBeInstanceOf(Promise);
    await expect(killing).rejects.toBe(refused);
    expect(fake.state).toEqual({ state: 'crashed' });
    await fake.kill();
    expect(fake.state).toBe(States.stopped);
  });

  it('accepts console commands only while running, one line at a time', async () => {
    await using fake = new FakeSupervisor({ id: 'fake-8' });
    await expect(fake.send('save')).rejects.toMatchObject({ code: 'ERR_NOT_RUNNING' });
    await fake.start();
    await fake.send('save');
    await expect(fake.send('a\nb')).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    expect(fake.sent).toEqual(['save']);
  });

  it('lets kill preempt a slow start', async () => {
    await using fake = new FakeSupervisor({ id: 'fake-9', startDelayMs: 60_000 });
    const starting = fake.start();
    await fake.waitFor('starting');
    await fake.kill();
    await expect(starting).rejects.toMatchObject({ code: 'ERR_KILLED' });
    expect(fake.state).toBe(States.stopped);
  });

  it('replays recent output and streams live lines', async () => {
    await using fake = new FakeSupervisor({ id: 'fake-10', outputBufferLines: 2 });
    const live = fake.output();
    fake.emitOutput('a');
    fake.emitOutput('b');
    fake.emitOutput('c');
    expect(fake.recentOutput().map((l) => l.text)).toEqual(['b', 'c']);
    expect(fake.recentOutput(1).map((l) => l.text)).toEqual(['c']);
    expect((await live.next()).value?.text).toBe('a');
    await live.return?.();
  });

  it('reports the stats it was given, and streams them only while iterated', async () => {
    await using fake = new FakeSupervisor({ id: 'fake-11' });
    fake.setStats({ cpuPercent: 12.5, memoryBytes: 1024, processCount: 2 });
    // Nothing runs: rejected, as on every plane.
    await expect(fake.stats()).rejects.toMatchObject({ code: 'ERR_NOT_RUNNING' });
    await fake.start();
    const ac = new AbortController();
    const samples = [];
    for await (const s of fake.statsStream({ intervalMs: 1, signal: ac.signal })) {
      samples.push(s);
      if (samples.length === 3) ac.abort();
    }
    expect(samples).toHaveLength(3);
    expect(samples[0]).toMatchObject({ cpuPercent: 12.5, memoryBytes: 1024, processCount: 2 });
  });

  it('disposes idempotently: stops, ends iterators, refuses later calls', async () => {
    const fake = new FakeSupervisor({ id: 'fake-12' });
    await fake.start();
    const states = fake.states();
    const first = fake[Symbol.asyncDispose]();
    const second = fake[Symbol.asyncDispose]();
    expect(second).toBe(first);
    await first;
    const seen: string[] = [];
    for await (const s of states) seen.push(s.state);
    expect(seen).toEqual(['running', 'stopping', 'stopped']);
    await expect(fake.start()).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
    await expect(fake.waitFor('running')).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
  });

  it('keeps working when a listener throws', async () => {
    await using fake = new FakeSupervisor({ id: 'fake-13' });
    const after = vi.fn();
    fake.on('state', () => {
      throw new Error('listener bug');
    });
    fake.on('state', after);
    await fake.start();
    expect(after).toHaveBeenCalledTimes(2);
    expect(fake.state).toBe(States.running);
  });

  it('reports uptime only while running', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      await using fake = new FakeSupervisor({ id: 'fake-14' });
      vi.advanceTimersByTime(5000);
      expect(fake.uptimeSeconds()).toBe(0);
      await fake.start();
      vi.advanceTimersByTime(61_500);
      expect(fake.uptimeSeconds()).toBe(61);
      await fake.stop();
      expect(fake.uptimeSeconds()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it.each([
    [{ id: 'Bad Id' }, /`id`.*"Bad Id"/],
    [{ id: '-x' }, /`id`/],
    [{ id: 'ok', startDelayMs: -1 }, /"ok".*`startDelayMs`.*`-1` \(number\)/],
    [{ id: 'ok', initial: { state: 'paused' } }, /`initial`/],
    [{ id: 'ok', startDelay: 5 }, /`startDelay`/],
    [null, /`config`/],
  ])('refuses bad config %o with ERR_INVALID_CONFIG', (config, message) => {
    expect(() => new FakeSupervisor(config as never)).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_CONFIG',
        message: expect.stringMatching(message),
      }),
    );
  });
});

describe('FakeSupervisor: a remote link', () => {
  it('setLink() sets `link` and emits `link`, keeping the state; a local one has no link', async () => {
    const fake = new FakeSupervisor({ id: 'linked' });
    expect(fake.link).toBeUndefined();
    await fake.start();
    const seen: string[] = [];
    fake.on('link', (status) => seen.push(status.state));
    const down = {
      state: 'down',
      reason: 'lost',
      retrying: true,
      error: new GamewardError('ERR_ENGINE_UNAVAILABLE', 'link lost'),
      since: Date.now(),
      attempt: 1,
      nextAttemptInMs: 250,
    } as const;
    fake.setLink(down);
    expect(fake.link).toBe(down);
    expect(fake.state).toEqual(States.running);
    fake.setLink({ state: 'up', since: Date.now() });
    expect(seen).toEqual(['down', 'up']);
    await fake.close();
  });
});
