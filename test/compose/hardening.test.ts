import { setTimeout } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { compose, describeWithEngine, docker } from './engine.js';
import { EngineProxy } from './engine-proxy.js';
import { childrenOf, inspectState, lineCount, projectContainers, stack } from './stack.js';

// The compose defects of issue 11 (#1, #2, #5, #6; #10 is in processes.test.ts), each reproduced.
describeWithEngine(
  'ComposeSupervisor hardening (issue 11)',
  () => {
    it('#1: the start timeout cuts a blocking `compose up` short', async () => {
      await using s = stack('block-timeout', 'blocking-up.yaml', {
        readiness: { pattern: 'never printed', timeoutMs: 3000 },
      });
      const t0 = Date.now();
      await expect(s.supervisor.start()).rejects.toMatchObject({ code: 'ERR_READINESS_TIMEOUT' });
      // A sanity bound, not a timing assertion: before the fix it never ended by itself.
      expect(Date.now() - t0).toBeLessThan(30_000);
      expect(s.supervisor.state.state).toBe('crashed');
      expect(await childrenOf(s)).toEqual([]);
      expect(await projectContainers(s.project)).toEqual([]);
    });

    it('#1: kill() cuts a blocking `compose up` short and brings everything down', async () => {
      await using s = stack('block-kill', 'blocking-up.yaml');
      const starting = s.supervisor.start();
      await waitForContainer(s.project, `${s.project}-db-1`);
      await s.supervisor.kill();
      await expect(starting).rejects.toMatchObject({ code: 'ERR_KILLED' });
      expect(s.supervisor.state).toEqual({ state: 'stopped' });
      expect(await childrenOf(s)).toEqual([]);
      expect(await projectContainers(s.project)).toEqual([]);
    });

    it('#1: dispose cuts a blocking `compose up` short', async () => {
      await using s = stack('block-dispose', 'blocking-up.yaml');
      const starting = s.supervisor.start();
      await waitForContainer(s.project, `${s.project}-db-1`);
      await s.supervisor[Symbol.asyncDispose]();
      await expect(starting).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
      expect(await childrenOf(s)).toEqual([]);
      expect(await projectContainers(s.project)).toEqual([]);
    });

    it('#2: an engine that accepts and never answers: ERR_ENGINE_UNAVAILABLE within the bound', async () => {
      await using wedged = await EngineProxy.start({ wedged: true });
      await using s = stack('wedged', 'basic.yaml', {
        engineTimeoutMs: 1000,
        env: { DOCKER_HOST: wedged.host },
      });
      await expect(s.supervisor.refresh()).rejects.toMatchObject({
        code: 'ERR_ENGINE_UNAVAILABLE',
      });
      await expect(s.supervisor.start()).rejects.toMatchObject({ code: 'ERR_ENGINE_UNAVAILABLE' });
      // Nothing is known to run there: nothing to stop, at once.
      await expect(s.supervisor.stop()).rejects.toMatchObject({ code: 'ERR_NOT_RUNNING' });
      await expect(s.supervisor.kill()).rejects.toMatchObject({ code: 'ERR_NOT_RUNNING' });
      await s.supervisor[Symbol.asyncDispose]();
      expect(await childrenOf(s)).toEqual([]);
    });

    it('#2: an engine that wedges under a running stack: refresh, stats, stop and kill end coded', async () => {
      await using proxy = await EngineProxy.start();
      await using s = stack('wedge-later', 'basic.yaml', {
        engineTimeoutMs: 1000,
        env: { DOCKER_HOST: proxy.host },
      });
      await s.supervisor.start();
      proxy.wedge();
      const unavailable = { code: 'ERR_ENGINE_UNAVAILABLE' };
      await expect(s.supervisor.refresh()).rejects.toMatchObject(unavailable);
      await expect(s.supervisor.stats()).rejects.toMatchObject(unavailable);
      await expect(s.supervisor.stop()).rejects.toMatchObject(unavailable);
      await expect(s.supervisor.kill()).rejects.toMatchObject(unavailable);
      // The compose commands it cut short left no process behind.
      expect(await childrenOf(s)).toEqual([]);
      proxy.heal();
      await s.supervisor.stop();
      expect(await projectContainers(s.project)).toEqual([]);
    });

    it('#5: a selected container removed right after it started is a death while starting', async () => {
      await using s = stack('removed', 'gated.yaml', { services: ['app'] });
      const starting = s.supervisor.start().catch((error: unknown) => error);
      // `compose up` waits for the gate; meanwhile the app runs, and is removed from outside.
      await lineCount(s, 'app: booting');
      // Once the gate runs too (on a loaded machine compose may start it after the app's boot;
      // `up` cut short before then leaves it only created, and nothing of the stack runs).
      await gateRunning(s.container('gate'));
      await docker('rm', '-f', s.container('app'));
      s.touch('gate-open');
      const error = await starting;
      expect(error).toMatchObject({ code: 'ERR_START_FAILED' });
      expect(s.supervisor.state.state).toBe('crashed');
      // The rest of the stack still runs: stop() takes it down.
      await s.supervisor.stop();
      expect(await projectContainers(s.project)).toEqual([]);
    });

    it('#6: a partly running stack (selected service gone, another up) is crashed, and stop acts on it', async () => {
      await using s = stack('partly', 'basic.yaml', { services: ['app'], removeOnStop: false });
      await compose(s.project, 'basic.yaml', ['up', '-d'], { GW_TRIGGER_DIR: s.trigger });
      await docker('rm', '-f', s.container('app'));
      expect((await s.supervisor.refresh()).state).toBe('crashed');
      await s.supervisor.stop();
      expect((await inspectState(s.container('side'))).Status).toBe('exited');
    });

    it('#6: kill and dispose act on a partly running stack too', async () => {
      await using k = stack('partly-kill', 'basic.yaml', {
        services: ['app'],
        removeOnStop: false,
      });
      await using d = stack('partly-dispose', 'basic.yaml', { services: ['app'] });
      for (const s of [k, d]) {
        await compose(s.project, 'basic.yaml', ['up', '-d'], { GW_TRIGGER_DIR: s.trigger });
        await docker('rm', '-f', s.container('app'));
        await s.supervisor.refresh();
      }
      await k.supervisor.kill();
      expect((await inspectState(k.container('side'))).ExitCode).toBe(137);
      await d.supervisor[Symbol.asyncDispose]();
      expect(await projectContainers(d.project)).toEqual([]);
    });
  },
  { concurrent: true },
);

/** Resolves once the container exists (a bounded poll: `compose up` creates it any moment). */
/** The gate service is not selected, so no event of the supervisor tells: its state is polled. */
async function gateRunning(container: string): Promise<void> {
  for (let i = 0; i < 500; i += 1) {
    const state = await inspectState(container).catch(() => undefined);
    if (state?.Status === 'running') return;
    await setTimeout(20);
  }
  throw new Error(`${container} never ran`);
}

async function waitForContainer(project: string, name: string): Promise<void> {
  for (let i = 0; i < 500; i += 1) {
    if ((await projectContainers(project)).includes(name)) return;
    await setTimeout(20);
  }
  throw new Error(`${name} never appeared`);
}
