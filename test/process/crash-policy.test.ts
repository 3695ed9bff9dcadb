import { describe, expect, it } from 'vitest';
import type { GaveUp, RestartScheduled } from '../../src/supervisor.js';
import { labels, nodeServer, recordStates } from './helpers.js';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('crash policy (autoRestart)', () => {
  it('restarts after a crash with exponential backoff, then gives up after maxRestarts in the window', async () => {
    await using server = nodeServer('fake-game-server.mjs', ['--exit-at-boot=5'], {
      autoRestart: { enabled: true, maxRestarts: 2, initialDelayMs: 50, factor: 2 },
    });
    const scheduled: RestartScheduled[] = [];
    server.on('restartScheduled', (info) => scheduled.push(info));
    const gaveUp = new Promise<GaveUp>((resolve) => server.once('gaveUp', resolve));
    const states = recordStates(server);
    await server.start().catch(() => undefined);
    expect(await gaveUp).toEqual({ restarts: 2 });
    expect(scheduled).toEqual([
      { attempt: 1, delayMs: 50 },
      { attempt: 2, delayMs: 100 },
    ]);
    expect(labels(states).filter((s) => s === 'starting')).toHaveLength(3);
    expect(server.state).toEqual({ state: 'crashed', exitCode: 5 });
  });

  it('a restarted server is running again', async () => {
    await using server = nodeServer('fake-game-server.mjs', [], {
      autoRestart: { enabled: true, initialDelayMs: 10 },
      readiness: { pattern: 'Server started' },
    });
    await server.start();
    const first = server.pid;
    const scheduled = new Promise((resolve) => server.once('restartScheduled', resolve));
    await server.send('crash 2');
    await scheduled;
    await server.waitFor('running');
    expect(server.pid).not.toBe(first);
  });

  it('an ordered stop never triggers a restart', async () => {
    await using server = nodeServer('fake-game-server.mjs', [], {
      autoRestart: { enabled: true, initialDelayMs: 0 },
      stopCommand: 'quit',
    });
    let events = 0;
    server.on('restartScheduled', () => events++);
    server.on('crash', () => events++);
    await server.start();
    await server.stop();
    await server.start();
    await server.kill();
    await pause(100);
    expect(events).toBe(0);
    expect(server.state.state).toBe('stopped');
  });

  it.each(['stop', 'kill'] as const)('%s() cancels a scheduled restart', async (method) => {
    await using server = nodeServer('fake-game-server.mjs', [], {
      autoRestart: { enabled: true, initialDelayMs: 300 },
    });
    await server.start();
    const scheduled = new Promise((resolve) => server.once('restartScheduled', resolve));
    await server.send('crash 3');
    await scheduled;
    const states = recordStates(server);
    await server[method]();
    // Past the delay: no start happened.
    await pause(500);
    expect(labels(states)).toEqual(['crashed', 'stopped']);
  });

  it('restartOnCleanExit: false leaves a clean exit crashed without a restart', async () => {
    await using server = nodeServer('fake-game-server.mjs', [], {
      autoRestart: { enabled: true, initialDelayMs: 0, restartOnCleanExit: false },
    });
    let scheduled = 0;
    server.on('restartScheduled', () => scheduled++);
    await server.start();
    const crash = new Promise((resolve) => server.once('crash', resolve));
    await server.send('quit');
    expect(await crash).toMatchObject({ exitCode: 0 });
    await pause(100);
    expect(scheduled).toBe(0);
    expect(server.state).toEqual({ state: 'crashed', exitCode: 0 });
  });

  it('a readiness timeout counts as a crash for the policy', async () => {
    await using server = nodeServer('fake-game-server.mjs', ['--no-ready'], {
      autoRestart: { enabled: true, initialDelayMs: 60_000 },
      readiness: { pattern: 'Server started', timeoutMs: 200 },
    });
    const scheduled = new Promise((resolve) => server.once('restartScheduled', resolve));
    await expect(server.start()).rejects.toMatchObject({ code: 'ERR_READINESS_TIMEOUT' });
    await expect(scheduled).resolves.toEqual({ attempt: 1, delayMs: 60_000 });
  });

  it('without autoRestart a crash stays crashed', async () => {
    await using server = nodeServer('fake-game-server.mjs');
    let scheduled = 0;
    server.on('restartScheduled', () => scheduled++);
    await server.start();
    const crash = new Promise((resolve) => server.once('crash', resolve));
    await server.send('crash 1');
    await crash;
    await pause(50);
    expect(scheduled).toBe(0);
  });
});
