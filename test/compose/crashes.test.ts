import { expect, it } from 'vitest';
import { crashed } from '../../src/state/instance-state.js';
import type { CrashDetails } from '../../src/supervisor.js';
import { describeOnEngines } from './engines.js';
import { lineCount, stateCount } from './stack.js';

describeOnEngines(
  'ComposeSupervisor crashes',
  ({ stack, docker, inspectState, projectContainers }) => {
    it('an external docker kill of a selected container is crashed(137)', async () => {
      await using s = stack('dkill', 'basic.yaml', { services: ['app'] });
      await s.supervisor.start();
      const next = new Promise((resolve) => s.supervisor.once('state', resolve));
      const crash = new Promise<CrashDetails>((resolve) => s.supervisor.once('crash', resolve));
      await docker('kill', s.container('app'));
      expect(await next).toEqual(crashed({ exitCode: 137 }));
      const details = await crash;
      expect(details).toMatchObject({ exitCode: 137 });
      expect(details.lastLines.map((l) => l.text)).toContain('app: ready for players');
    });

    it('a container exiting 5 by itself is crashed(5), its last line in the crash event', async () => {
      await using s = stack('exit5', 'basic.yaml', { services: ['app'] });
      await s.supervisor.start();
      const crash = new Promise((resolve) => s.supervisor.once('crash', resolve));
      s.touch('app-exit-5');
      await s.supervisor.waitFor('crashed');
      expect(s.supervisor.state).toEqual(crashed({ exitCode: 5 }));
      expect(await crash).toMatchObject({ exitCode: 5 });
      expect(s.crashes[0]?.lastLines.at(-1)?.text).toBe('app: exiting with 5');
      expect(s.crashes[0]?.lastLines.every((l) => l.service === 'app')).toBe(true);
    });

    it('a clean exit 0 without a stop request is a crash too', async () => {
      await using s = stack('exit0', 'basic.yaml', { services: ['app'] });
      await s.supervisor.start();
      s.touch('app-exit-0');
      await s.supervisor.waitFor('crashed');
      expect(s.supervisor.state).toEqual(crashed({ exitCode: 0 }));
    });

    it('a container that dies just after a successful up fails the start, crashed with its code', async () => {
      // The ready line never comes, so the death lands while starting, whatever the timing.
      await using s = stack('early-death', 'basic.yaml', {
        services: ['app'],
        readiness: { pattern: 'never printed' },
      });
      // server.sh finds its exit file at once: `compose up -d` succeeds, then the server exits.
      s.touch('app-exit-3');
      await expect(s.supervisor.start()).rejects.toMatchObject({
        code: 'ERR_START_FAILED',
        exitCode: 3,
        message: expect.stringContaining('exited with code 3'),
      });
      expect(s.supervisor.state).toEqual(crashed({ exitCode: 3 }));
      expect(s.states).toEqual(['stopped', 'starting', 'crashed(3)']);
      await s.supervisor.stop();
      expect(await projectContainers(s.project)).toEqual([]);
    });

    it('a service that is not selected never changes the state', async () => {
      await using s = stack('unselected', 'basic.yaml', { services: ['app'] });
      await s.supervisor.start();
      s.touch('side-exit-3');
      await docker('wait', s.container('side'));
      // Events arrive in order: had side's death counted, crashed(3) would come before this.
      const next = new Promise((resolve) => s.supervisor.once('state', resolve));
      await docker('kill', s.container('app'));
      expect(await next).toEqual(crashed({ exitCode: 137 }));
      expect(s.states).toEqual(['stopped', 'starting', 'running', 'crashed(137)']);
    });

    it('stop() from crashed stops what still runs; ERR_NOT_RUNNING once nothing does', async () => {
      await using s = stack('stop-crashed', 'basic.yaml', {
        services: ['app'],
        removeOnStop: false,
      });
      await s.supervisor.start();
      s.touch('app-exit-5');
      await s.supervisor.waitFor('crashed');
      expect((await inspectState(s.container('side'))).Status).toBe('running');
      await s.supervisor.stop();
      expect(s.states).toEqual([
        'stopped',
        'starting',
        'running',
        'crashed(5)',
        'stopping',
        'stopped',
      ]);
      expect((await inspectState(s.container('side'))).Status).toBe('exited');

      await s.supervisor.start();
      s.touch('app-exit-4');
      s.touch('side-exit-0');
      await docker('wait', s.container('side'));
      await docker('wait', s.container('app'));
      // refresh() reconciles with the engine: now nothing of the stack runs.
      expect(await s.supervisor.refresh()).toEqual(crashed({ exitCode: 4 }));
      await expect(s.supervisor.stop()).rejects.toMatchObject({ code: 'ERR_NOT_RUNNING' });
      expect(s.supervisor.state).toEqual(crashed({ exitCode: 4 }));
    });

    it('a restart policy bringing the container back: crashed, then starting, then running', async () => {
      await using s = stack('policy', 'restart-policy.yaml');
      await s.supervisor.start();
      const firstStart = (await inspectState(s.container('app'))).StartedAt;
      // The crash event waits for the console's last lines: on podman, which restarts at once,
      // it can come after the restarted run's state.
      const crash = new Promise<CrashDetails>((resolve) => s.supervisor.once('crash', resolve));
      s.touch('app-exit-3');
      await stateCount(s, 6);
      await crash;
      expect(s.states).toEqual([
        'stopped',
        'starting',
        'running',
        'crashed(3)',
        'starting',
        'running',
      ]);
      expect(s.crashes).toMatchObject([{ exitCode: 3 }]);
      expect((await inspectState(s.container('app'))).StartedAt).not.toBe(firstStart);
      // The restarted container's console is followed again, from its new run only.
      await lineCount(s, 'app: booting', 2);
      expect(s.lines.filter((l) => l.text === 'app: exiting with 3')).toHaveLength(1);
      await s.supervisor.stop();
      expect(await projectContainers(s.project)).toEqual([]);
    });
  },
  { concurrent: true },
);
