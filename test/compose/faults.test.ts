import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { GamewardError } from '../../src/errors.js';
import { describeWithEngine, FIXTURES, triggerDir } from './engine.js';
import { childrenOf, projectContainers, stack, type TestStack } from './stack.js';

async function startFailure(s: TestStack): Promise<GamewardError> {
  const error = await s.supervisor.start().then(
    () => {
      throw new Error('expected start() to fail');
    },
    (e: unknown) => e as GamewardError,
  );
  expect(error.name).toBe('GamewardError');
  expect(error.instanceId).toBe(s.project);
  expect(error.message).toContain(s.project);
  // Never left starting or stopping (the core says which of the two), no crash, no process held.
  expect(['stopped', 'crashed']).toContain(s.supervisor.state.state);
  expect(s.supervisor.state).not.toHaveProperty('exitCode');
  expect(s.crashes).toEqual([]);
  expect(await childrenOf(s)).toEqual([]);
  return error;
}

function canHidePlugins(): boolean {
  try {
    execFileSync('unshare', ['--mount', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describeWithEngine(
  'ComposeSupervisor faults',
  () => {
    it('no compose file in cwd: ERR_COMPOSE with compose exit code and stderr', async () => {
      const empty = triggerDir();
      try {
        await using s = stack('nofile', 'unused.yaml', { cwd: empty.path, files: [] });
        const error = await startFailure(s);
        expect(error.code).toBe('ERR_COMPOSE');
        expect(error.exitCode).toBeGreaterThan(0);
        expect(error.stderr).toMatch(/no configuration file/i);
        // The plane took down what `up` began, without a stopping phase.
        expect(s.states.slice(0, 2)).toEqual(['stopped', 'starting']);
        expect(s.states).toHaveLength(3);
      } finally {
        empty.remove();
      }
    });

    it("podman 4.3's network-interface race fails the first `compose up`: it is run once more", async ({
      onTestFinished,
    }) => {
      // (The context's onTestFinished: the tests of this block run concurrently.)
      // The race cannot be brought about on demand: a wrapper CLI fails the first up as podman
      // does, then runs the real docker CLI (test/fixtures/compose/flaky-docker.sh).
      const scratch = triggerDir();
      onTestFinished(() => scratch.remove());
      const state = join(scratch.path, 'failed-once');
      await using s = stack('ifrace', 'basic.yaml', {
        docker: join(FIXTURES, 'flaky-docker.sh'),
        env: { GW_FLAKY_STATE: state },
      });
      await s.supervisor.start();
      expect(existsSync(state)).toBe(true);
      expect(s.supervisor.state.state).toBe('running');
      await s.supervisor.stop();
    });

    it('invalid YAML: ERR_COMPOSE naming the parse error', async () => {
      await using s = stack('badyaml', 'invalid.yaml');
      const error = await startFailure(s);
      expect(error.code).toBe('ERR_COMPOSE');
      expect(error.stderr).toMatch(/yaml/i);
      expect(error.message).toMatch(/compose up.*failed with exit code/);
    });

    it('an image missing locally: ERR_COMPOSE, and nothing half-created is left', async () => {
      await using s = stack('noimage', 'missing-image.yaml');
      const error = await startFailure(s);
      expect(error.code).toBe('ERR_COMPOSE');
      expect(error.stderr).toMatch(/no such image/i);
      expect(await projectContainers(s.project)).toEqual([]);
    });

    it('the engine unreachable: ERR_ENGINE_UNAVAILABLE, for start and refresh', async () => {
      await using s = stack('noengine', 'basic.yaml', {
        env: { DOCKER_HOST: 'unix:///nonexistent.sock' },
      });
      const error = await startFailure(s);
      expect(error.code).toBe('ERR_ENGINE_UNAVAILABLE');
      expect(error.message).toContain('unix:///nonexistent.sock');
      expect(s.states).toEqual(['stopped']);
      await expect(s.supervisor.refresh()).rejects.toMatchObject({
        code: 'ERR_ENGINE_UNAVAILABLE',
      });
      // The Engine API said so: no docker process was even started.
      expect(await childrenOf(s)).toEqual([]);
    });

    it('no docker CLI at all: ERR_COMPOSE_MISSING', async () => {
      await using s = stack('nocli', 'basic.yaml', { docker: '/nonexistent/bin/docker' });
      const error = await startFailure(s);
      expect(error.code).toBe('ERR_COMPOSE_MISSING');
      expect(error.message).toMatch(/docker CLI "\/nonexistent\/bin\/docker" was not found/);
    });

    it.skipIf(!canHidePlugins())(
      'the real docker CLI without its compose plugin: ERR_COMPOSE_MISSING that says so',
      async () => {
        await using s = stack('noplugin', 'basic.yaml', {
          docker: join(FIXTURES, 'docker-without-compose.sh'),
        });
        const error = await startFailure(s);
        expect(error.code).toBe('ERR_COMPOSE_MISSING');
        expect(error.message).toMatch(/Docker Compose v2 is not installed/);
      },
    );

    it('a cwd that does not exist: ERR_INVALID_CONFIG naming `cwd`', async () => {
      await using s = stack('nocwd', 'basic.yaml', { cwd: '/nonexistent/stack' });
      const error = await startFailure(s);
      expect(error.code).toBe('ERR_INVALID_CONFIG');
      expect(error.message).toContain('`cwd`');
      expect(error.message).toContain('/nonexistent/stack');
    });

    it('a selected service the stack does not have: ERR_INVALID_CONFIG, the stack taken down', async () => {
      await using s = stack('ghost', 'basic.yaml', { services: ['app', 'ghost'] });
      const error = await startFailure(s);
      expect(error.code).toBe('ERR_INVALID_CONFIG');
      expect(error.message).toContain('`services`');
      expect(error.message).toContain('ghost');
      expect(await projectContainers(s.project)).toEqual([]);
    });
  },
  { concurrent: true },
);
