// The examples of docs/testing.md, run as written (app code first, then its tests).
import { describe, expect, it } from 'vitest';
import { Fleet, isGamewardError, type Supervisor } from '../../src/index.js';
import { FakeSupervisor } from '../../src/testing/index.js';

async function handleCommand(fleet: Fleet, text: string): Promise<string> {
  const [, action, instanceId] = text.trim().split(/\s+/);
  try {
    const state = await fleet.dispatch({ instanceId, action });
    return `${instanceId} is ${state.state}`;
  } catch (error) {
    if (!isGamewardError(error)) throw error;
    return `${error.code}: ${error.message}`;
  }
}

async function restartWithWarning(server: Supervisor, warn = 'Restart now'): Promise<void> {
  if (server.state.state === 'running') await server.send(`say ${warn}`);
  await server.restart();
}

/** A panel that renders the latest state it saw. */
class StatusPanel {
  text = '';
  constructor(server: Supervisor) {
    void (async () => {
      for await (const state of server.states()) this.text = `${server.instanceId}: ${state.state}`;
    })();
  }
}

describe('docs/testing.md: a command handler', () => {
  it('starts the named server', async () => {
    await using fleet = new Fleet();
    const rust = fleet.add(new FakeSupervisor({ id: 'rust-1' }));
    expect(await handleCommand(fleet, '!server start rust-1')).toBe('rust-1 is running');
    expect(rust.calls).toEqual([{ method: 'start', args: [] }]);
  });

  it('says why a stop was refused', async () => {
    await using fleet = new Fleet();
    fleet.add(new FakeSupervisor({ id: 'rust-1' }));
    expect(await handleCommand(fleet, '!server stop rust-1')).toMatch(/^ERR_NOT_RUNNING: /);
    expect(await handleCommand(fleet, '!server dance rust-1')).toMatch(/^ERR_INVALID_ACTION: /);
    expect(await handleCommand(fleet, '!server start nope')).toMatch(/^ERR_UNKNOWN_INSTANCE: /);
    expect(await handleCommand(fleet, '!server')).toMatch(/^ERR_INVALID_ARGUMENT: /);
  });
});

describe('docs/testing.md: a scheduled restart', () => {
  it('warns the players of a running server, then restarts it', async () => {
    await using server = new FakeSupervisor({ id: 'rust-1', initial: { state: 'running' } });
    await restartWithWarning(server);
    expect(server.sent).toEqual(['say Restart now']);
    expect(server.calls.map((c) => c.method)).toEqual(['send', 'restart']);
    expect(server.state.state).toBe('running');
  });

  it('restarts a crashed server without warning anyone', async () => {
    await using server = new FakeSupervisor({ id: 'rust-1', initial: { state: 'running' } });
    server.crash(139, 'SIGSEGV');
    await restartWithWarning(server);
    expect(server.sent).toEqual([]);
  });

  it('reports a failed restart', async () => {
    await using server = new FakeSupervisor({ id: 'rust-1' });
    server.failNext('restart', new Error('disk full'));
    await expect(restartWithWarning(server)).rejects.toThrow('disk full');
  });
});

describe('docs/testing.md: the in-between states', () => {
  it('shows "starting" while the server boots', async () => {
    await using server = new FakeSupervisor({ id: 'rust-1', startDelayMs: 200 });
    const panel = new StatusPanel(server);
    const started = server.start();
    await server.waitFor('starting');
    // The panel consumes its iterator on its own schedule: poll its output, never sleep.
    await expect.poll(() => panel.text).toBe('rust-1: starting');
    await started;
    await expect.poll(() => panel.text).toBe('rust-1: running');
  });
});
