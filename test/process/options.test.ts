import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isGamewardError } from '../../src/errors.js';
import { DEFAULT_KILL_GRACE_MS, ProcessSupervisor } from '../../src/process/index.js';
import { normalizeProcessConfig } from '../../src/process/options.js';

function configError(config: unknown): Error {
  try {
    normalizeProcessConfig(config);
  } catch (error) {
    expect(isGamewardError(error, 'ERR_INVALID_CONFIG')).toBe(true);
    return error as Error;
  }
  throw new Error('expected ERR_INVALID_CONFIG');
}

describe('normalizeProcessConfig', () => {
  it('applies the documented defaults', () => {
    const config = normalizeProcessConfig({ id: 'rust-1', executable: '/bin/true' });
    expect(config).toMatchObject({
      id: 'rust-1',
      executable: '/bin/true',
      args: [],
      cwd: undefined,
      stopSignal: 'SIGTERM',
      stopTimeoutMs: 30_000,
      restartDelayMs: 2000,
      killGraceMs: DEFAULT_KILL_GRACE_MS,
      readiness: undefined,
      stopCommand: undefined,
      outputBufferLines: 1000,
      crashLines: 20,
    });
    expect(config.autoRestart).toMatchObject({ enabled: false, maxRestarts: 3, windowMs: 60_000 });
  });

  it('makes a relative executable path absolute against the host cwd, keeps bare names', () => {
    expect(normalizeProcessConfig({ id: 'a', executable: './srv/run.sh' }).executable).toBe(
      resolve('srv/run.sh'),
    );
    expect(normalizeProcessConfig({ id: 'a', executable: 'node' }).executable).toBe('node');
  });

  it('fills the readiness timeout and keeps the pattern', () => {
    const config = normalizeProcessConfig({ id: 'a', readiness: { pattern: /Done/ } });
    expect(config.readiness).toEqual({ pattern: /Done/, timeoutMs: 120_000 });
  });

  it.each([
    [{ id: 'Bad Id' }, /`id`.*"Bad Id"/],
    [{ id: 'a', executable: '' }, /Instance "a".*`executable`.*""/],
    [{ id: 'a', args: 'x y' }, /`args`.*"x y"/],
    [{ id: 'a', args: ['ok', 3] }, /`args\[1\]`.*`3` \(number\)/],
    [{ id: 'a', env: { A: 1 } }, /`env\.A`/],
    [{ id: 'a', stopSignal: 'SIGNOPE' }, /`stopSignal`.*"SIGNOPE"/],
    [{ id: 'a', stopTimeoutMs: -1 }, /`stopTimeoutMs`.*`-1` \(number\)/],
    [{ id: 'a', restartDelayMs: 1.5 }, /`restartDelayMs`.*1\.5/],
    [{ id: 'a', killGraceMs: '5s' }, /`killGraceMs`.*"5s"/],
    [{ id: 'a', readiness: { pattern: '' } }, /`readiness\.pattern`.*""/],
    [{ id: 'a', readiness: { pattern: /(?:)/ } }, /`readiness\.pattern`/],
    [{ id: 'a', readiness: { pattern: 'x', timeoutMs: 0 } }, /`readiness\.timeoutMs`.*`0`/],
    [{ id: 'a', stopCommand: 'save\nquit' }, /`stopCommand`/],
    [{ id: 'a', stopCommand: '' }, /`stopCommand`/],
    [{ id: 'a', autoRestart: { enabled: true, maxRestarts: 0 } }, /`autoRestart\.maxRestarts`/],
    [{ id: 'a', outputBufferLines: -5 }, /`outputBufferLines`.*-5/],
    [{ id: 'a', crashLines: 'all' }, /`crashLines`/],
    [{ id: 'a', stopTimeout: 5 }, /`stopTimeout`/],
    [{ id: 'a', kind: 'compose' }, /`kind`.*"compose"/],
  ])('rejects %j naming the field and the value', (config, message) => {
    expect(configError(config).message).toMatch(message);
  });
});

describe('ProcessSupervisor construction', () => {
  it('validates at construction', () => {
    expect(() => new ProcessSupervisor({ id: 'a', stopTimeoutMs: -1 })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_CONFIG' }),
    );
  });

  it('is unmanaged without an executable: every lifecycle call rejects ERR_UNMANAGED', async () => {
    await using supervisor = new ProcessSupervisor({ id: 'no-exe' });
    expect(supervisor.state).toEqual({ state: 'unmanaged' });
    expect(supervisor.kind).toBe('process');
    for (const call of [
      () => supervisor.start(),
      () => supervisor.stop(),
      () => supervisor.restart(),
      () => supervisor.kill(),
    ]) {
      await expect(call()).rejects.toMatchObject({ code: 'ERR_UNMANAGED', instanceId: 'no-exe' });
    }
    expect(supervisor.state).toEqual({ state: 'unmanaged' });
  });

  it('accepts a fleet-style entry with kind "process"', async () => {
    await using supervisor = new ProcessSupervisor({ id: 'k', kind: 'process', executable: 'x' });
    expect(supervisor.state.state).toBe('stopped');
  });
});
