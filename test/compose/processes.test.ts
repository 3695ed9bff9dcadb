import { setTimeout } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { crashed } from '../../src/state/instance-state.js';
import type { CrashDetails } from '../../src/supervisor.js';
import { describeWithEngine, docker, triggerDir } from './engine.js';
import { childrenOf, eventsPid, lineCount, projectContainers, stack } from './stack.js';

// Each test looks at the processes its own supervisor spawned (childrenOf), so they can overlap.
describeWithEngine(
  'ComposeSupervisor child processes',
  () => {
    it('an idle running stack holds the events stream and one log follower, and spawns nothing', async () => {
      await using s = stack('idle', 'health.yaml');
      s.touch('app-healthy');
      await s.supervisor.start();
      const held = s.supervisor.childPids.sort();
      expect(held).toHaveLength(2);
      const seen = new Set<string>();
      // A sanity check, not a timing assertion: sample the children for 3 s while the stack idles
      // (its healthcheck runs every 500 ms inside the engine).
      for (let i = 0; i < 120; i += 1) {
        for (const child of await childrenOf(s)) seen.add(`${child.pid} ${child.cmdline}`);
        await setTimeout(25);
      }
      const children = [...seen];
      expect(children.map((c) => Number(c.split(' ')[0])).sort()).toEqual(held);
      expect(children.some((c) => / docker events /.test(`${c} `))).toBe(true);
      expect(children.some((c) => / docker logs --follow /.test(`${c} `))).toBe(true);
    });

    it('dispose leaves no child process and no container', async () => {
      await using s = stack('dispose', 'basic.yaml');
      await s.supervisor.start();
      expect((await childrenOf(s)).length).toBeGreaterThan(0);
      await s.supervisor[Symbol.asyncDispose]();
      expect(await childrenOf(s)).toEqual([]);
      expect(await projectContainers(s.project)).toEqual([]);
      expect(s.states.at(-1)).toBe('stopped');
    });

    it('dispose during a start ends it, with no child and no container left', async () => {
      await using s = stack('dispose-start', 'basic.yaml', {
        env: { READY_ON_TRIGGER: '1' },
        readiness: { pattern: 'app: ready for players' },
      });
      const starting = s.supervisor.start();
      await lineCount(s, 'app: booting');
      await s.supervisor[Symbol.asyncDispose]();
      await expect(starting).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
      expect(await childrenOf(s)).toEqual([]);
      expect(await projectContainers(s.project)).toEqual([]);
    });

    it('dispose during a stop lets that stop end: no child, no container, stopped', async () => {
      await using s = stack('dispose-stop', 'basic.yaml', {
        stopTimeoutMs: 2000,
        env: { IGNORE_TERM: '1' },
      });
      await s.supervisor.start();
      const stopping = s.supervisor.stop();
      await s.supervisor.waitFor('stopping');
      await s.supervisor[Symbol.asyncDispose]();
      await expect(stopping).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
      expect(await childrenOf(s)).toEqual([]);
      expect(await projectContainers(s.project)).toEqual([]);
      expect(s.states).toEqual(['stopped', 'starting', 'running', 'stopping', 'stopped']);
    });

    it("dispose during a restart's pause and during a kill", async () => {
      await using s = stack('dispose-restart', 'basic.yaml', { restartDelayMs: 60_000 });
      await s.supervisor.start();
      const restarting = s.supervisor.restart();
      await s.supervisor.waitFor('stopped');
      await s.supervisor[Symbol.asyncDispose]();
      await expect(restarting).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
      expect(await childrenOf(s)).toEqual([]);

      await using k = stack('dispose-kill', 'basic.yaml');
      await k.supervisor.start();
      const killing = k.supervisor.kill();
      await k.supervisor[Symbol.asyncDispose]();
      await killing;
      expect(await childrenOf(k)).toEqual([]);
      expect(await projectContainers(k.project)).toEqual([]);
    });

    it('dispose ends a stats() in flight: no docker stats outlives it', async () => {
      await using s = stack('dispose-stats', 'basic.yaml', { stopOnDispose: false });
      await s.supervisor.start();
      // docker stats samples for about two seconds; dispose (leaving the stack up) is quicker.
      const sampling = s.supervisor.stats().catch((error: unknown) => error);
      const statsChild = async () =>
        (await childrenOf(s)).some((c) => c.cmdline.includes(' stats '));
      // Wait for the docker stats child to appear (bounded), rather than for a fixed time.
      let seen = await statsChild();
      for (let i = 0; i < 100 && !seen; i += 1) {
        await setTimeout(20);
        seen = await statsChild();
      }
      expect(seen).toBe(true);
      await s.supervisor[Symbol.asyncDispose]();
      expect(await childrenOf(s)).toEqual([]);
      expect(await sampling).toMatchObject({ code: 'ERR_DISPOSED' });
    });

    it('a failed start and a failed refresh leave no child process', async () => {
      const empty = triggerDir();
      try {
        await using s = stack('fail-children', 'unused.yaml', { cwd: empty.path, files: [] });
        await expect(s.supervisor.start()).rejects.toMatchObject({ code: 'ERR_COMPOSE' });
        expect(await childrenOf(s)).toEqual([]);
        await using u = stack('noengine-children', 'basic.yaml', {
          env: { DOCKER_HOST: 'unix:///nonexistent.sock' },
        });
        await expect(u.supervisor.refresh()).rejects.toMatchObject({
          code: 'ERR_ENGINE_UNAVAILABLE',
        });
        expect(await childrenOf(u)).toEqual([]);
      } finally {
        empty.remove();
      }
    });

    it('kill() preempts a stop that waits on a server ignoring SIGTERM; no compose process is left', async () => {
      await using s = stack('kill-stop', 'basic.yaml', {
        stopTimeoutMs: 60_000,
        env: { IGNORE_TERM: '1' },
      });
      await s.supervisor.start();
      const stopping = s.supervisor.stop();
      await s.supervisor.waitFor('stopping');
      await s.supervisor.kill();
      await expect(stopping).rejects.toMatchObject({ code: 'ERR_KILLED' });
      expect(s.states).toEqual(['stopped', 'starting', 'running', 'stopping', 'stopped']);
      expect(await projectContainers(s.project)).toEqual([]);
      // The `compose down -t 60` it cut short has ended too (kill waits for it before its own down).
      expect(await childrenOf(s)).toEqual([]);
    });

    it('follows the console again after the engine connection was lost (streams and followers)', async () => {
      await using s = stack('refollow', 'basic.yaml', { services: ['app'] });
      await s.supervisor.start();
      // What an engine restart does to a running stack's watch: every docker CLI stream ends.
      for (const pid of s.supervisor.childPids) process.kill(pid, 'SIGKILL');
      // The resync after the reconnect follows the running container again, from its run's start.
      await lineCount(s, 'app: booting', 2);
      const crash = new Promise<CrashDetails>((resolve) => s.supervisor.once('crash', resolve));
      s.touch('app-exit-5');
      expect((await crash).lastLines.at(-1)?.text).toBe('app: exiting with 5');
    });

    it('re-establishes a lost events stream and catches up on what it missed', async () => {
      await using s = stack('reconnect', 'basic.yaml', { services: ['app'] });
      await s.supervisor.start();
      const events = await eventsPid(s);
      expect(events).toBeDefined();
      // The stream dies (as when the engine restarts); a container dies while it is down.
      process.kill(events as number, 'SIGKILL');
      await docker('kill', s.container('app'));
      await s.supervisor.waitFor('crashed', { timeoutMs: 15_000 });
      expect(s.supervisor.state).toEqual(crashed({ exitCode: 137 }));
      const resumed = await eventsPid(s);
      expect(resumed).toEqual(expect.any(Number));
      expect(resumed).not.toBe(events);
    });
  },
  { concurrent: true },
);
