import { setTimeout } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { EngineProxy } from './engine-proxy.js';
import { describeOnEngines } from './engines.js';
import { childrenOf, lineCount } from './stack.js';

describeOnEngines(
  'ComposeSupervisor races',
  ({ engine, stack, projectContainers }) => {
    it('kill() preempts a start that waits for readiness', async () => {
      await using s = stack('kill-start', 'basic.yaml', {
        env: { READY_ON_TRIGGER: '1' },
        // `side` is ready at once: only app's line (which waits for the trigger) may count.
        readiness: { pattern: 'app: ready for players' },
      });
      const starting = s.supervisor.start();
      await lineCount(s, 'app: booting');
      await s.supervisor.kill();
      await expect(starting).rejects.toMatchObject({ code: 'ERR_KILLED' });
      expect(s.states).toEqual(['stopped', 'starting', 'stopping', 'stopped']);
      expect(await projectContainers(s.project)).toEqual([]);
    });

    it('kill() right after start() cuts it short before compose runs', async () => {
      await using s = stack('kill-early', 'basic.yaml');
      const starting = s.supervisor.start();
      // Nothing runs yet, but a start is under way: that is something to kill.
      await s.supervisor.kill();
      await expect(starting).rejects.toMatchObject({ code: 'ERR_KILLED' });
      expect(s.states).toEqual(['stopped']);
      expect(await projectContainers(s.project)).toEqual([]);
      expect(await childrenOf(s)).toEqual([]);
    });

    it("kill() during a restart's pause cancels the start that was to follow", async () => {
      await using s = stack('kill-restart', 'basic.yaml', { restartDelayMs: 60_000 });
      await s.supervisor.start();
      const restarting = s.supervisor.restart();
      await s.supervisor.waitFor('stopped');
      await s.supervisor.kill();
      await expect(restarting).rejects.toMatchObject({ code: 'ERR_KILLED' });
      expect(s.states).toEqual(['stopped', 'starting', 'running', 'stopping', 'stopped']);
      expect(await projectContainers(s.project)).toEqual([]);
      expect(await childrenOf(s)).toEqual([]);
      await expect(s.supervisor.kill()).rejects.toMatchObject({ code: 'ERR_NOT_RUNNING' });
    });

    it('a start whose events stream is lost midway still completes on the replayed events', async () => {
      await using proxy = await EngineProxy.start({ target: engine.socket });
      await using s = stack('stream-dies', 'health.yaml', { env: { DOCKER_HOST: proxy.host } });
      const started = s.supervisor.start();
      await lineCount(s, 'app: ready for players');
      // `compose up` has returned (it talks through the proxy too): wait until it is gone.
      while ((await childrenOf(s)).length > 0) await setTimeout(20);
      // Every connection to the engine drops, the events stream's included.
      proxy.cut();
      // The health event may come while no stream is open: the new one replays it (since).
      s.touch('app-healthy');
      await started;
      expect(s.states).toEqual(['stopped', 'starting', 'running']);
    });
  },
  { concurrent: true },
);
