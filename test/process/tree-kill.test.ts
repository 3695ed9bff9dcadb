import { describe, expect, it, vi } from 'vitest';
import { ProcessSupervisor } from '../../src/process/index.js';
import { fixture, isAlive, nextLine, nodeServer, treePids, uniqueId } from './helpers.js';

/** Fails the test if any pid is still alive. */
function expectAllDead(pids: readonly number[]): void {
  expect(pids.filter(isAlive)).toEqual([]);
}

describe('the whole process tree stops (issue 3 fix 3)', () => {
  it('a wrapper script and the server it runs as a grandchild', async () => {
    await using server = new ProcessSupervisor({
      id: uniqueId(),
      executable: fixture('wrapper.sh'),
      env: { NODE: process.execPath },
      readiness: { pattern: 'Server started' },
      stopTimeoutMs: 5000,
    });
    await server.start();
    const wrapper = server.pid as number;
    await server.send('pid');
    const grandchild = Number((await nextLine(server, /^pid \d+$/)).text.slice(4));
    expect(grandchild).not.toBe(wrapper);
    expect(isAlive(grandchild)).toBe(true);
    await server.stop();
    expect(server.state.state).toBe('stopped');
    expectAllDead([wrapper, grandchild]);
  });

  it('descendants that ignore SIGTERM, one in its own session (setsid), one two levels down', async () => {
    await using server = nodeServer(
      'spawn-tree.mjs',
      ['group-ignore', 'setsid-ignore', 'grandchild'],
      { stopTimeoutMs: 300, readiness: { pattern: 'tree ready' } },
    );
    await server.start();
    const pids = [server.pid as number, ...(await treePids(server))];
    expect(pids).toHaveLength(5);
    expect(pids.every(isAlive)).toBe(true);
    await server.stop();
    expectAllDead(pids);
  });

  it('a setsid descendant whose parent dies on SIGTERM is still killed (snapshot taken first)', async () => {
    // The root exits on SIGTERM at once; its setsid child ignores SIGTERM and is reparented.
    await using server = nodeServer('spawn-tree.mjs', ['setsid-ignore', 'group-ignore'], {
      stopTimeoutMs: 300,
      readiness: { pattern: 'tree ready' },
    });
    await server.start();
    const root = server.pid as number;
    const children = await treePids(server);
    await server.stop();
    expectAllDead([root, ...children]);
  });

  it('a root that ignores SIGTERM with descendants that do too: SIGKILL for all', async () => {
    await using server = nodeServer(
      'spawn-tree.mjs',
      ['--root-ignore', 'setsid-ignore', 'group-ignore'],
      { stopTimeoutMs: 200, readiness: { pattern: 'tree ready' } },
    );
    await server.start();
    const pids = [server.pid as number, ...(await treePids(server))];
    await server.kill();
    expect(server.state.state).toBe('stopped');
    expectAllDead(pids);
  });

  it('when the server crashes, what is left of its process group is killed', async () => {
    await using server = nodeServer('spawn-tree.mjs', ['group-ignore', 'grandchild'], {
      readiness: { pattern: 'tree ready' },
    });
    await server.start();
    const children = await treePids(server);
    process.kill(server.pid as number, 'SIGKILL');
    await server.waitFor('crashed');
    await vi.waitFor(() => expectAllDead(children), { timeout: 5000 });
  });

  it('documented blind spot: a setsid descendant of a server that crashed is out of reach', async () => {
    await using server = nodeServer('spawn-tree.mjs', ['setsid-ignore'], {
      readiness: { pattern: 'tree ready' },
    });
    await server.start();
    const [orphan] = (await treePids(server)) as [number];
    process.kill(server.pid as number, 'SIGKILL');
    await server.waitFor('crashed');
    try {
      // It left the group and its parent is gone: only a cgroup would have held it.
      expect(isAlive(orphan)).toBe(true);
    } finally {
      process.kill(orphan, 'SIGKILL');
    }
  });
});

describe('killGraceMs: 0 (issue 11 defect 4)', () => {
  // 0.1.0 counted the root as alive until its exit event had been handled, so with no grace every
  // kill() rejected ERR_STOP_FAILED and ended crashed although SIGKILL had worked. The root is now
  // judged by /proc (a zombie is dead).
  it('kill() with no grace resolves stopped, 30 times out of 30', async () => {
    for (let i = 0; i < 30; i += 1) {
      await using server = nodeServer('ignore-term.mjs', [], {
        stopTimeoutMs: 60_000,
        killGraceMs: 0,
        readiness: { pattern: 'ready' },
      });
      await server.start();
      const pid = server.pid as number;
      await server.kill();
      expect(server.state.state).toBe('stopped');
      expect(isAlive(pid)).toBe(false);
    }
  });

  it('stop() whose ladder ends in SIGKILL with no grace resolves stopped', async () => {
    await using server = nodeServer('ignore-term.mjs', [], {
      stopTimeoutMs: 100,
      killGraceMs: 0,
      readiness: { pattern: 'ready' },
    });
    await server.start();
    const pid = server.pid as number;
    await server.stop();
    expect(server.state.state).toBe('stopped');
    expect(isAlive(pid)).toBe(false);
  });
});
