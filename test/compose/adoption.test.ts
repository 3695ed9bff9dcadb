import { setTimeout } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { ComposeSupervisor } from '../../src/compose/index.js';
import { crashed } from '../../src/state/instance-state.js';
import { FIXTURES } from './engine.js';
import { describeOnEngines } from './engines.js';
import { childrenOf } from './stack.js';

describeOnEngines(
  'ComposeSupervisor adoption (refresh)',
  ({ engine, stack, compose, docker, inspectState, projectContainers }) => {
    it('adopts a stack that is already up without touching its containers', async () => {
      await using s = stack('adopt', 'basic.yaml', { services: ['app'] });
      await compose(s.project, 'basic.yaml', ['up', '-d'], { GW_TRIGGER_DIR: s.trigger });
      const before = await inspectState(s.container('app'));
      expect(s.supervisor.state.state).toBe('stopped');
      expect(await s.supervisor.refresh()).toEqual({ state: 'running' });
      expect(s.states).toEqual(['stopped', 'running']);
      expect((await inspectState(s.container('app'))).StartedAt).toBe(before.StartedAt);
      await expect(s.supervisor.start()).rejects.toMatchObject({ code: 'ERR_ALREADY_RUNNING' });
      // Adopted, it is watched like one it started.
      s.touch('app-exit-7');
      await s.supervisor.waitFor('crashed');
      expect(s.supervisor.state).toEqual(crashed({ exitCode: 7 }));
    });

    it('reports crashed for a stack whose selected container exited', async () => {
      await using s = stack('adopt-exited', 'basic.yaml', { services: ['app'] });
      await compose(s.project, 'basic.yaml', ['up', '-d'], { GW_TRIGGER_DIR: s.trigger });
      s.touch('app-exit-5');
      await docker('wait', s.container('app'));
      expect(await s.supervisor.refresh()).toEqual(crashed({ exitCode: 5 }));
      // `side` still runs: stop() is allowed from crashed.
      await s.supervisor.stop();
      expect(await projectContainers(s.project)).toEqual([]);
    });

    it('reports stopped for a stack stopped on purpose, and holds no process', async () => {
      await using s = stack('adopt-stopped', 'basic.yaml');
      await compose(s.project, 'basic.yaml', ['up', '-d'], { GW_TRIGGER_DIR: s.trigger });
      await compose(s.project, 'basic.yaml', ['stop', '-t', '1'], { GW_TRIGGER_DIR: s.trigger });
      expect(await s.supervisor.refresh()).toEqual({ state: 'stopped' });
      expect(await childrenOf(s)).toEqual([]);
    });

    it('reports stopped when nothing of the project exists', async () => {
      await using s = stack('adopt-nothing', 'basic.yaml');
      expect(await s.supervisor.refresh()).toEqual({ state: 'stopped' });
      expect(s.states).toEqual(['stopped']);
    });

    it('with stopOnDispose false, dispose leaves the stack for the next host to adopt', async () => {
      await using first = stack('handover', 'basic.yaml', { stopOnDispose: false });
      await first.supervisor.start();
      const startedAt = (await inspectState(first.container('app'))).StartedAt;
      await first.supervisor[Symbol.asyncDispose]();
      expect(await childrenOf(first)).toEqual([]);
      expect((await inspectState(first.container('app'))).Status).toBe('running');

      await using next = new ComposeSupervisor({
        id: first.project,
        cwd: FIXTURES,
        files: ['basic.yaml'],
        removeOnStop: true,
        stopTimeoutMs: 1000,
        env: { ...engine.env },
      });
      // Let the containers age (no event marks time passing), so uptime tells where it counts from:
      // the latest start of the selected containers (both services here).
      const sideStartedAt = (await inspectState(first.container('side'))).StartedAt;
      const latest = Math.max(Date.parse(startedAt), Date.parse(sideStartedAt));
      await setTimeout(Math.max(0, latest + 2100 - Date.now()));
      expect(await next.refresh()).toEqual({ state: 'running' });
      expect((await inspectState(first.container('app'))).StartedAt).toBe(startedAt);
      // From the containers' start, not from the adoption (that would be 0).
      expect(next.uptimeSeconds()).toBeGreaterThanOrEqual(2);
    });
  },
  { concurrent: true },
);
