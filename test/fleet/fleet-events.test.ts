import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { Fleet } from '../../src/fleet/index.js';
import { ProcessSupervisor } from '../../src/process/index.js';
import { FakeSupervisor } from '../../src/testing/index.js';
import { fixture, uniqueId } from '../process/helpers.js';

describe('Fleet: the API a Node user expects (issue 10)', () => {
  it('emits state, output and crash for every instance, added later ones included', async () => {
    await using fleet = new Fleet();
    const early = fleet.add(new FakeSupervisor({ id: 'early' }));
    const seen: string[] = [];
    fleet.on('state', (id, next) => seen.push(`${id}:${next.state}`));
    fleet.on('output', (id, line) => seen.push(`${id}>${line.text}`));
    fleet.on('crash', (id, details) => seen.push(`${id}!${details.exitCode}`));
    const late = fleet.add(new FakeSupervisor({ id: 'late' }));
    await early.start();
    await late.start();
    late.emitOutput('hello');
    const crash = once(fleet, 'crash');
    late.crash(3);
    expect(await crash).toEqual(['late', expect.objectContaining({ exitCode: 3 })]);
    expect(seen).toEqual([
      'early:starting',
      'early:running',
      'late:starting',
      'late:running',
      'late>hello',
      'late:crashed',
      'late!3',
    ]);
    // A removed instance is no longer heard.
    fleet.remove('early')?.close();
    await early.close();
    expect(seen.filter((s) => s.startsWith('early')).length).toBe(2);
  });

  it('passes on the link event of a remote instance with its id', async () => {
    await using fleet = new Fleet();
    const remote = fleet.add(new FakeSupervisor({ id: 'remote' }));
    const heard = once(fleet, 'link');
    remote.setLink({ state: 'up', since: 5 });
    expect(await heard).toEqual(['remote', { state: 'up', since: 5 }]);
  });

  it("dispatch({ action: 'send', line }) writes to the console; a bad line is refused", async () => {
    await using fleet = new Fleet();
    const fake = fleet.add(new FakeSupervisor({ id: 'a' }));
    await fake.start();
    await fleet.dispatch({ instanceId: 'a', action: 'send', line: 'say hi' });
    expect(fake.sent).toEqual(['say hi']);
    await expect(fleet.dispatch({ instanceId: 'a', action: 'send' })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
    });
    await expect(
      fleet.dispatch({ instanceId: 'a', action: 'stop', line: 'x' }),
    ).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
  });

  it('dispatch and stopAll take { signal }: an abort rejects with an AbortError', async () => {
    await using fleet = new Fleet();
    fleet.add(new FakeSupervisor({ id: 'slow', startDelayMs: 5000 }));
    const controller = new AbortController();
    const starting = fleet.dispatch(
      { instanceId: 'slow', action: 'start' },
      { signal: controller.signal },
    );
    controller.abort();
    await expect(starting).rejects.toMatchObject({ name: 'AbortError' });
    expect(fleet.get('slow')?.state.state).toBe('stopped');
    await expect(fleet.stopAll({ signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: 'AbortError',
    });
  });

  it('close() is the plain-JS spelling of Symbol.asyncDispose', async () => {
    const fleet = new Fleet();
    const fake = fleet.add(new FakeSupervisor({ id: 'a' }));
    await fake.start();
    await fleet.close();
    expect(fake.disposed).toBe(true);
    expect(fake.state.state).toBe('stopped');
    await fleet[Symbol.asyncDispose]();
  });
});

describe('issue 11 defect 7: Fleet.stopAll() cancels a pending automatic restart', () => {
  it('a crashed instance whose restart is pending stays stopped after stopAll()', async () => {
    await using fleet = new Fleet();
    const server = fleet.add(
      new ProcessSupervisor({
        id: uniqueId('fleet'),
        executable: process.execPath,
        args: [fixture('fake-game-server.mjs')],
        readiness: { pattern: 'Server started' },
        autoRestart: { initialDelayMs: 300, maxDelayMs: 300 },
      }),
    );
    await server.start();
    const scheduled = once(server, 'restartScheduled');
    await server.send('crash 3');
    await scheduled;
    expect(server.state.state).toBe('crashed');
    await fleet.stopAll();
    expect(server.state.state).toBe('stopped');
    const cameBack = await server.waitFor('starting', { timeoutMs: 1500 }).catch((e) => e.code);
    expect(cameBack).toBe('ERR_TIMEOUT');
  });
});
