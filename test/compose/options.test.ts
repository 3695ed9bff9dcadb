import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ComposeSupervisor, type ComposeSupervisorConfig } from '../../src/compose/index.js';
import { normalizeComposeConfig } from '../../src/compose/options.js';
import { GamewardError } from '../../src/errors.js';

const base = { id: 'dune-1', cwd: '/srv/dune' };

function failure(config: unknown): GamewardError {
  try {
    // The constructor validates what normalizing alone cannot (the engine address).
    new ComposeSupervisor(config as ComposeSupervisorConfig);
  } catch (error) {
    expect(error).toBeInstanceOf(GamewardError);
    return error as GamewardError;
  }
  throw new Error('expected the config to be refused');
}

describe('normalizeComposeConfig', () => {
  it('applies the documented defaults', () => {
    const config = normalizeComposeConfig(base);
    expect(config).toMatchObject({
      id: 'dune-1',
      cwd: '/srv/dune',
      files: [],
      projectName: 'dune-1',
      services: undefined,
      stopTimeoutMs: 30_000,
      restartDelayMs: 2000,
      removeOnStop: false,
      stopOnDispose: true,
      readiness: undefined,
      outputBufferLines: 1000,
      crashLines: 20,
      docker: 'docker',
      engineTimeoutMs: 10_000,
    });
    // Compose has the crash policy of every plane now: off unless given.
    expect(config.autoRestart).toMatchObject({ enabled: false });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('resolves a relative cwd now and keeps the given options', () => {
    const config = normalizeComposeConfig({
      ...base,
      kind: 'compose',
      cwd: 'stacks/dune',
      files: ['compose.yaml', 'compose.prod.yaml'],
      projectName: 'dune_prod-1',
      services: ['server', 'server', 'director'],
      env: { DOCKER_HOST: 'unix:///var/run/docker.sock' },
      stopTimeoutMs: 1500,
      removeOnStop: true,
      readiness: { pattern: /ready/, timeoutMs: 5000 },
    });
    expect(config.cwd).toBe(resolve('stacks/dune'));
    expect(config.services).toEqual(['server', 'director']);
    expect(config.readiness?.timeoutMs).toBe(5000);
    expect(config.env).toEqual({ DOCKER_HOST: 'unix:///var/run/docker.sock' });
  });

  it.each([
    [{ ...base, cwd: '' }, 'cwd', '""'],
    [{ id: 'x' }, 'cwd', 'undefined'],
    [{ ...base, projectName: 'Dune' }, 'projectName', '"Dune"'],
    [{ ...base, projectName: '-p' }, 'projectName', '"-p"'],
    [{ ...base, projectName: 'a b' }, 'projectName', '"a b"'],
    [{ ...base, files: 'compose.yaml' }, 'files', '"compose.yaml"'],
    [{ ...base, files: ['-'] }, 'files[0]', '"-"'],
    [{ ...base, files: ['ok.yaml', '--project-name=x'] }, 'files[1]', '"--project-name=x"'],
    [{ ...base, services: [] }, 'services', '[]'],
    [{ ...base, services: ['--all'] }, 'services[0]', '"--all"'],
    [{ ...base, stopTimeoutMs: -1 }, 'stopTimeoutMs', '-1'],
    [{ ...base, stopTimeoutMs: 1.5 }, 'stopTimeoutMs', '1.5'],
    [{ ...base, removeOnStop: 'yes' }, 'removeOnStop', '"yes"'],
    [{ ...base, env: { A: 1 } }, 'env.A', '1'],
    [{ ...base, readiness: { pattern: '' } }, 'readiness.pattern', '""'],
    [{ ...base, readiness: { pattern: 'x', timeoutMs: -5 } }, 'readiness.timeoutMs', '-5'],
    [{ ...base, kind: 'process' }, 'kind', '"process"'],
    [{ ...base, stopTimeout: 5 }, 'stopTimeout', '5'],
    [{ ...base, docker: '' }, 'docker', '""'],
    [{ ...base, engineTimeoutMs: 0 }, 'engineTimeoutMs', '0'],
    [{ ...base, env: { DOCKER_HOST: 'ftp://x' } }, 'env.DOCKER_HOST', '"ftp://x"'],
  ])('refuses %j naming the field and value', (config, field, value) => {
    const error = failure(config);
    expect(error.code).toBe('ERR_INVALID_CONFIG');
    expect(error.message).toContain(`\`${field}\``);
    expect(error.message).toContain(value);
    if ('id' in config && config.id === 'dune-1') {
      expect(error.message).toContain('"dune-1"');
      expect(error.instanceId).toBe('dune-1');
    }
  });

  it('refuses a bad id before anything else', () => {
    expect(failure({ id: 'Not A Slug', cwd: '/x' }).message).toContain('`id`');
  });
});

describe('ComposeSupervisor construction', () => {
  it('does no I/O: a stack in a directory that does not exist reports stopped', async () => {
    await using supervisor = new ComposeSupervisor({ id: 'nowhere', cwd: '/nonexistent/dir' });
    expect(supervisor.state).toEqual({ state: 'stopped' });
    expect(supervisor.kind).toBe('compose');
    expect(supervisor.childPids).toEqual([]);
    expect(supervisor.uptimeSeconds()).toBe(0);
    // Nothing runs: the core refuses stats on every plane.
    await expect(supervisor.stats()).rejects.toMatchObject({ code: 'ERR_NOT_RUNNING' });
  });

  it('send() is unsupported, and a non-string is an invalid argument', async () => {
    await using supervisor = new ComposeSupervisor({ id: 'no-stdin', cwd: '/tmp' });
    await expect(supervisor.send('say hi')).rejects.toMatchObject({ code: 'ERR_UNSUPPORTED' });
    await expect(supervisor.send(42 as unknown as string)).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
    });
  });

  it('stop() and kill() of a stack never started are ERR_NOT_RUNNING, without I/O', async () => {
    await using supervisor = new ComposeSupervisor({ id: 'idle', cwd: '/nonexistent/dir' });
    await expect(supervisor.stop()).rejects.toMatchObject({ code: 'ERR_NOT_RUNNING' });
    await expect(supervisor.kill()).rejects.toMatchObject({ code: 'ERR_NOT_RUNNING' });
    expect(supervisor.state.state).toBe('stopped');
  });
});
