import { setTimeout } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { engineFor } from '../../src/engine/registry.js';
import { crashed } from '../../src/state/instance-state.js';
import type { CrashDetails } from '../../src/supervisor.js';
import { describeWithEngine, docker, triggerDir } from './engine.js';
import { EngineProxy } from './engine-proxy.js';
import { childrenOf, lineCount, projectContainers, stack } from './stack.js';

// Each test looks at the processes its own supervisor spawned (childrenOf), so they can overlap.
describeWithEngine(
  'ComposeSupervisor child processes',
  () => {
    it('an idle running stack holds no process, spawns none, and shares the engine events stream', async () => {
      await using s = stack('idle', 'health.yaml');
      await using t = stack('idle-2', 'basic.yaml');
      s.touch('app-healthy');
      await Promise.all([s.supervisor.start(), t.supervisor.start()]);
      expect(s.supervisor.childPids).toEqual([]);
      const seen = new Set<string>();
      // A sanity check, not a timing assertion: sample the children for 3 s while the stacks idle
      // (a healthcheck runs every 500 ms inside the engine).
      for (let i = 0; i < 120; i += 1) {
        for (const child of [...(await childrenOf(s)), ...(await childrenOf(t))]) {
          seen.add(`${child.pid} ${child.cmdline}`);
        }
        await setTimeout(25);
      }
      expect([...seen]).toEqual([]);
      // One events stream per engine, whatever the number of stacks on it.
      const engine = engineFor(process.env);
      expect(engine.hub.open).toBe(true);
      expect(engine.hub.projects).toBeGreaterThanOrEqual(2);
    });

    it('dispose leaves no child process and no container', async () => {
      await using s = stack('dispose', 'basic.yaml');
      await s.supervisor.start();
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

    it('dispose ends a stats() in flight', async () => {
      await using s = stack('dispose-stats', 'basic.yaml', { stopOnDispose: false });
      await s.supervisor.start();
      // The engine measures for about a second; dispose (leaving the stack up) is quicker.
      const sampling = s.supervisor.stats().catch((error: unknown) => error);
      await s.supervisor[Symbol.asyncDispose]();
      expect(await sampling).toMatchObject({ code: 'ERR_DISPOSED' });
      expect(await childrenOf(s)).toEqual([]);
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

    it('follows the console again after the engine connection was lost; no stream error becomes a line', async () => {
      await using proxy = await EngineProxy.start();
      await using s = stack('refollow', 'basic.yaml', {
        services: ['app'],
        env: { DOCKER_HOST: proxy.host },
      });
      await s.supervisor.start();
      // What an engine restart does to a running stack's watch: every stream ends at once.
      proxy.cut();
      s.touch('app-exit-5');
      const crash = await new Promise<CrashDetails>((resolve) =>
        s.supervisor.once('crash', resolve),
      );
      expect(crash.exitCode).toBe(5);
      // Issue 11 #10: only the game's own lines, never "unexpected EOF" or a stream error.
      expect(s.lines.every((l) => l.text.startsWith('app: '))).toBe(true);
      expect(s.crashes).toHaveLength(1);
    });

    it('re-establishes the lost events stream and catches up on what it missed', async () => {
      await using proxy = await EngineProxy.start();
      await using s = stack('reconnect', 'basic.yaml', {
        services: ['app'],
        env: { DOCKER_HOST: proxy.host },
      });
      await s.supervisor.start();
      const crash = new Promise<CrashDetails>((resolve) => s.supervisor.once('crash', resolve));
      // The stream drops; a container dies while it is down (killed beside the proxy).
      proxy.wedge();
      await docker('kill', s.container('app'));
      proxy.heal();
      await s.supervisor.waitFor('crashed', { timeoutMs: 15_000 });
      expect(s.supervisor.state).toEqual(crashed({ exitCode: 137 }));
      expect(await crash).toMatchObject({ exitCode: 137 });
      expect(s.crashes).toHaveLength(1);
    });

    it('holds no docker process after dispose, running or not', async () => {
      await using s = stack('no-docker-left', 'basic.yaml');
      await s.supervisor.start();
      await s.supervisor[Symbol.asyncDispose]();
      expect(await childrenOf(s)).toEqual([]);
    });
  },
  { concurrent: true },
);
