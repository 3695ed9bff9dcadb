import { readdirSync, readlinkSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ProcessSupervisor } from '../../src/process/index.js';
import type { InstanceState } from '../../src/state/instance-state.js';
import { isAlive, labels, nextLine, nodeServer, recordStates, uniqueId } from './helpers.js';

type Settled = { ok: true } | { ok: false; code: unknown };
const settle = (promise: Promise<unknown>): Promise<Settled> =>
  promise.then(
    () => ({ ok: true }),
    (error: { code?: unknown }) => ({ ok: false, code: error.code }),
  );

/** Calls `act` synchronously inside the first transition to `label` (no tick in between). */
function onState<T>(server: ProcessSupervisor, label: string, act: () => T): Promise<T> {
  return new Promise((resolve) => {
    const listener = (next: InstanceState): void => {
      if (next.state !== label) return;
      server.off('state', listener);
      resolve(act());
    };
    server.on('state', listener);
  });
}

describe('races: a pending automatic restart is cancelled from the crash on', () => {
  it.each(['stop', 'kill'] as const)(
    '%s() issued the moment the state is crashed (before restartScheduled) cancels it',
    async (method) => {
      await using server = nodeServer('fake-game-server.mjs', [], {
        autoRestart: { enabled: true, initialDelayMs: 0 },
      });
      let scheduled = 0;
      server.on('restartScheduled', () => scheduled++);
      await server.start();
      const call = onState(server, 'crashed', () => settle(server[method]()));
      const crash = new Promise((resolve) => server.once('crash', resolve));
      await server.send('crash 3');
      expect(await await call).toEqual({ ok: true });
      await crash;
      // The crash event came; had a restart been scheduled, it would be due at once.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(scheduled).toBe(0);
      expect(server.state.state).toBe('stopped');
    },
  );
});

describe('races: kill()', () => {
  it('in the same tick as start(): the start rejects ERR_KILLED, nothing runs, stopped', async () => {
    await using server = nodeServer('fake-game-server.mjs');
    const states = recordStates(server);
    const starting = settle(server.start());
    await server.kill();
    expect(await starting).toEqual({ ok: false, code: 'ERR_KILLED' });
    expect(labels(states)).toEqual(['stopped']);
    expect(server.pid).toBeUndefined();
  });

  it("during a readiness timeout's stop ladder: the start rejects ERR_KILLED, stopped", async () => {
    await using server = nodeServer('ignore-term.mjs', [], {
      readiness: { pattern: 'never printed', timeoutMs: 100 },
      stopTimeoutMs: 120_000,
    });
    const starting = settle(server.start());
    await server.waitFor('stopping');
    const pid = server.pid as number;
    await server.kill();
    expect(await starting).toEqual({ ok: false, code: 'ERR_KILLED' });
    expect(server.state.state).toBe('stopped');
    expect(isAlive(pid)).toBe(false);
  });

  it('the moment an automatic restart begins: stopped, the new server gone, no further restart', async () => {
    await using server = nodeServer('fake-game-server.mjs', [], {
      autoRestart: { enabled: true, initialDelayMs: 0 },
      readiness: { pattern: 'Server started', timeoutMs: 120_000 },
    });
    await server.start();
    const first = server.pid as number;
    let restarted: number | undefined;
    const killed = onState(server, 'starting', () => {
      restarted = server.pid;
      return settle(server.kill());
    });
    await server.send('crash 1');
    expect(await await killed).toEqual({ ok: true });
    expect(restarted).not.toBe(first);
    expect(server.state.state).toBe('stopped');
    expect(isAlive(restarted as number)).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.state.state).toBe('stopped');
  });
});

describe('races: kill() from a state listener, inside the transition', () => {
  it.each(['starting', 'running', 'stopping'])(
    'on %s: the kill resolves, the state ends stopped, nothing is left alive',
    async (label) => {
      await using server = nodeServer('fake-game-server.mjs', [], {
        readiness: { pattern: 'Server started' },
        stopCommand: 'quit',
      });
      const pids = new Set<number>();
      server.on('state', () => {
        if (server.pid !== undefined) pids.add(server.pid);
      });
      const killed = onState(server, label, () => settle(server.kill()));
      const calls = [settle(server.start())];
      if (label === 'stopping') {
        await calls[0];
        calls.push(settle(server.stop()));
      }
      expect(await await killed).toEqual({ ok: true });
      for (const result of await Promise.all(calls)) {
        expect([true, 'ERR_KILLED']).toContain(result.ok || result.code);
      }
      expect(server.state.state).toBe('stopped');
      // A kill on `starting` cuts the launch short before anything was spawned.
      expect(pids.size).toBe(label === 'starting' ? 0 : 1);
      expect([...pids].filter(isAlive)).toEqual([]);
    },
  );
});

describe('races: dispose in every phase leaves nothing alive and no call pending', () => {
  const phases = {
    'right after start() was called': async (server: ProcessSupervisor) => [server.start()],
    'during a stop ladder': async (server: ProcessSupervisor) => {
      await server.start();
      const stopping = server.stop();
      await nextLine(server, /ignoring SIGTERM/);
      return [stopping];
    },
    "during restart()'s pause": async (server: ProcessSupervisor) => {
      await server.start();
      const restarting = server.restart();
      await server.waitFor('stopped');
      return [restarting];
    },
    'during a kill, with a start queued behind it': async (server: ProcessSupervisor) => {
      await server.start();
      return [server.kill(), server.start()];
    },
    'the moment the server crashed': async (server: ProcessSupervisor) => {
      await server.start();
      await server.send('crash');
      await server.waitFor('crashed');
      return [];
    },
  };

  it.each(Object.keys(phases) as (keyof typeof phases)[])('%s', async (phase) => {
    const server = new ProcessSupervisor({
      id: uniqueId(),
      executable: process.execPath,
      // Ignores SIGTERM and exits on any line: dispose's ladder needs SIGKILL to end it.
      args: [
        '-e',
        `process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
         process.stdin.on('data', () => process.exit(3)); console.log('ready');`,
      ],
      readiness: { pattern: 'ready' },
      stopTimeoutMs: 200,
      restartDelayMs: 60_000,
      autoRestart: { enabled: true, initialDelayMs: 0 },
    });
    const pids: number[] = [];
    server.on('state', (next) => {
      if (next.state === 'running' && server.pid !== undefined) pids.push(server.pid);
    });
    const calls = (await phases[phase](server)).map(settle);
    await server[Symbol.asyncDispose]();
    for (const result of await Promise.all(calls)) {
      // Each call either finished before the dispose or was cut short by it.
      expect([true, 'ERR_DISPOSED', 'ERR_KILLED']).toContain(result.ok || result.code);
    }
    expect(['stopped', 'crashed']).toContain(server.state.state);
    expect(pids.filter(isAlive)).toEqual([]);
  });
});

describe('races: send() while the server exits', () => {
  it('every send settles (taken, or ERR_NOT_RUNNING); nothing escapes to the host', async () => {
    await using server = nodeServer('fake-game-server.mjs');
    await server.start();
    const sends = Array.from({ length: 50 }, (_, i) =>
      settle(server.send(i === 5 ? 'crash 2' : 'say x')),
    );
    const results = await Promise.all(sends);
    expect(results.every((r) => r.ok || r.code === 'ERR_NOT_RUNNING')).toBe(true);
    await server.waitFor('crashed');
  });
});

/** Our own file descriptors that are pipes or sockets (Node's stdio pipes are socketpairs). */
function pipeFds(): Set<string> {
  const fds = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (/^(pipe|socket):/.test(readlinkSync(`/proc/self/fd/${fd}`))) fds.add(fd);
    } catch {
      // The directory's own fd, already closed.
    }
  }
  return fds;
}

describe('pipes are closed once a run is over', () => {
  it('even when a descendant that escaped the kill still holds them', async () => {
    await using server = new ProcessSupervisor({
      id: uniqueId(),
      executable: '/bin/sh',
      // setsid: the holder leaves the group, so the crash's group kill cannot reach it.
      args: ['-c', 'setsid sleep 60 & echo "holder $!"; echo ready; read x; exit 3'],
      readiness: { pattern: 'ready' },
    });
    const before = pipeFds();
    await server.start();
    const holder = Number((await nextLine(server, /^holder \d+$/)).text.slice(7));
    try {
      expect(readlinkSync(`/proc/${holder}/fd/1`)).toMatch(/^(pipe|socket):/);
      const crash = new Promise((resolve) => server.once('crash', resolve));
      await server.send('x');
      await crash;
      expect([...pipeFds()].filter((fd) => !before.has(fd))).toEqual([]);
    } finally {
      process.kill(holder, 'SIGKILL');
    }
  });
});
