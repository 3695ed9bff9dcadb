import { describe, expect, it } from 'vitest';
import { SwarmSupervisor } from '../../src/swarm/index.js';

const base = { id: 'sw-1', cwd: '/srv/stack', files: ['stack.yaml'], stackName: 'game' };

describe('SwarmSupervisor config', () => {
  it('refuses a stack name that could pass as a flag or is not a stack name', () => {
    for (const stackName of ['-c', '--prune', 'Game', '', 'a b', 'x'.repeat(64)]) {
      expect(() => new SwarmSupervisor({ ...base, stackName })).toThrow(
        expect.objectContaining({
          code: 'ERR_INVALID_CONFIG',
          message: expect.stringContaining('`stackName`'),
        }),
      );
    }
  });

  it('needs at least one stack file, none read as a flag', () => {
    expect(() => new SwarmSupervisor({ ...base, files: [] })).toThrow(/`files`/);
    expect(() => new SwarmSupervisor({ ...base, files: ['-'] })).toThrow(/`files\[0\]`/);
  });

  it('names the instance, the field and the value; refuses unknown keys and other kinds', () => {
    expect(() => new SwarmSupervisor({ ...base, services: ['ok', '-bad'] })).toThrow(
      'Instance "sw-1": expected `services[1]`',
    );
    expect(() => new SwarmSupervisor({ ...base, projectName: 'x' } as never)).toThrow(
      /projectName/,
    );
    expect(() => new SwarmSupervisor({ ...base, kind: 'compose' } as never)).toThrow(/`kind`/);
  });

  it('applies the lifecycle defaults and rejects send() with ERR_UNSUPPORTED in every state', async () => {
    const supervisor = new SwarmSupervisor(base);
    expect(supervisor.kind).toBe('swarm');
    expect(supervisor.config).toMatchObject({
      stopTimeoutMs: 30_000,
      stopOnDispose: true,
      docker: 'docker',
    });
    await expect(supervisor.send('say hi')).rejects.toMatchObject({ code: 'ERR_UNSUPPORTED' });
    await supervisor.close();
  });
});
