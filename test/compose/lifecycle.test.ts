import { expect, it } from 'vitest';
import type { OutputLine } from '../../src/supervisor.js';
import { describeOnEngines } from './engines.js';
import { childrenOf, lineCount } from './stack.js';

describeOnEngines(
  'ComposeSupervisor lifecycle',
  ({ stack, inspectState, projectContainers }) => {
    it('starts, refuses a second start, restarts and stops a stack', async () => {
      await using s = stack('life', 'basic.yaml');
      // refresh() queues behind the start and sees what it left.
      const [, seen] = await Promise.all([s.supervisor.start(), s.supervisor.refresh()]);
      expect(seen).toEqual({ state: 'running' });
      expect(s.states).toEqual(['stopped', 'starting', 'running']);
      expect((await inspectState(s.container('app'))).Status).toBe('running');
      expect((await inspectState(s.container('side'))).Status).toBe('running');
      await expect(s.supervisor.start()).rejects.toMatchObject({ code: 'ERR_ALREADY_RUNNING' });

      const before = (await inspectState(s.container('app'))).StartedAt;
      await s.supervisor.restart();
      expect(s.states.slice(3)).toEqual(['stopping', 'stopped', 'starting', 'running']);
      expect((await inspectState(s.container('app'))).StartedAt).not.toBe(before);

      await s.supervisor.stop();
      expect(s.supervisor.state).toEqual({ state: 'stopped' });
      // removeOnStop: compose down left nothing; and a stopped stack holds no process.
      expect(await projectContainers(s.project)).toEqual([]);
      expect(await childrenOf(s)).toEqual([]);
      await expect(s.supervisor.stop()).rejects.toMatchObject({ code: 'ERR_NOT_RUNNING' });
    });

    it('keeps containers on stop unless removeOnStop', async () => {
      await using s = stack('keep', 'basic.yaml', { removeOnStop: false });
      await s.supervisor.start();
      await s.supervisor.stop();
      expect(await projectContainers(s.project)).toEqual([s.container('app'), s.container('side')]);
      expect(await inspectState(s.container('app'))).toMatchObject({
        Status: 'exited',
        ExitCode: 0,
      });
    });

    it('stopTimeoutMs bounds the stop of a server that ignores SIGTERM (compose says 2 min)', async () => {
      await using s = stack('stop-budget', 'basic.yaml', {
        removeOnStop: false,
        stopTimeoutMs: 1000,
        env: { IGNORE_TERM: '1' },
      });
      await s.supervisor.start();
      const t0 = Date.now();
      await s.supervisor.stop();
      // A sanity bound: without `-t 1` compose would wait the file's stop_grace_period (120 s).
      expect(Date.now() - t0).toBeLessThan(60_000);
      expect(await inspectState(s.container('app'))).toMatchObject({
        Status: 'exited',
        ExitCode: 137,
      });
      expect(s.states).toEqual(['stopped', 'starting', 'running', 'stopping', 'stopped']);
    });

    it('stays starting until the healthcheck passes', async () => {
      await using s = stack('health', 'health.yaml');
      const started = s.supervisor.start();
      // The server runs and printed its ready line, but docker does not call it healthy yet.
      await lineCount(s, 'app: ready for players');
      expect((await inspectState(s.container('app'))).Health?.Status).toBe('starting');
      expect(s.supervisor.state.state).toBe('starting');
      s.touch('app-healthy');
      await started;
      expect((await inspectState(s.container('app'))).Health?.Status).toBe('healthy');
      expect(s.states).toEqual(['stopped', 'starting', 'running']);
    });

    it('stays starting until a selected service logs the readiness line', async () => {
      await using s = stack('ready', 'basic.yaml', {
        services: ['app'],
        env: { READY_ON_TRIGGER: '1' },
        readiness: { pattern: /ready for PLAYERS/i },
      });
      const started = s.supervisor.start();
      // `side` prints its ready line at once; only the selected `app` counts.
      await lineCount(s, 'app: booting');
      expect(s.supervisor.state.state).toBe('starting');
      s.touch('app-ready');
      await started;
      expect(s.supervisor.state.state).toBe('running');
    });

    it('stops a stack that never gets ready and ends crashed with ERR_READINESS_TIMEOUT', async () => {
      await using s = stack('ready-timeout', 'basic.yaml', {
        env: { READY_ON_TRIGGER: '1' },
        readiness: { pattern: 'app: ready for players', timeoutMs: 3000 },
      });
      await expect(s.supervisor.start()).rejects.toMatchObject({ code: 'ERR_READINESS_TIMEOUT' });
      expect(s.states).toEqual(['stopped', 'starting', 'stopping', 'crashed']);
      expect(await projectContainers(s.project)).toEqual([]);
    });

    it('captures the console of the selected services, tagged and replayable', async () => {
      await using s = stack('console', 'basic.yaml', { services: ['app'] });
      const live = s.supervisor.output();
      await s.supervisor.start();
      // The live iterator gets the lines from the first one on (stdout and stderr are separate
      // pipes, so their relative order is not defined).
      const received: OutputLine[] = [];
      for await (const line of live) {
        received.push(line);
        if (received.length === 3) break;
      }
      expect(received).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ service: 'app', stream: 'stdout', text: 'app: booting' }),
          expect.objectContaining({
            service: 'app',
            stream: 'stderr',
            text: 'app: a warning on stderr',
          }),
        ]),
      );
      const recent = s.supervisor.recentOutput();
      expect(recent.map((l) => l.text)).toEqual(
        expect.arrayContaining([
          'app: booting',
          'app: ready for players',
          'app: a warning on stderr',
        ]),
      );
      expect(recent.find((l) => l.text.endsWith('stderr'))?.stream).toBe('stderr');
      // `side` runs and prints too, but it is not selected.
      expect(s.lines.some((l) => l.service !== 'app')).toBe(false);
    });

    it('reports the summed stats of the stack and an uptime from the containers', async () => {
      await using s = stack('stats', 'basic.yaml', { services: ['app'] });
      await s.supervisor.start();
      const stats = await s.supervisor.stats();
      expect(stats.processCount).toBe(2);
      expect(stats.memoryBytes).toBeGreaterThan(0);
      expect(stats.cpuPercent).toBeGreaterThanOrEqual(0);
      const started = Date.parse((await inspectState(s.container('app'))).StartedAt);
      const expected = Math.floor((Date.now() - started) / 1000);
      expect(Math.abs(s.supervisor.uptimeSeconds() - expected)).toBeLessThanOrEqual(1);
    });
  },
  { concurrent: true },
);
