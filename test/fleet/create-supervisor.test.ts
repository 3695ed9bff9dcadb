import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ComposeSupervisor,
  createSupervisor,
  GamewardError,
  ProcessSupervisor,
  States,
} from '../../src/index.js';

const nowhere = join(mkdtempSync(join(tmpdir(), 'gw-create-')), 'missing');

describe('createSupervisor', () => {
  it('builds a ProcessSupervisor from a plain process config, without I/O', async () => {
    // A config as an app reads it from JSON: nothing on disk is looked at until start().
    const config = JSON.parse(
      JSON.stringify({
        kind: 'process',
        id: 'rust-1',
        executable: `${nowhere}/server`,
        args: ['-x'],
      }),
    );
    await using supervisor = createSupervisor(config);
    expect(supervisor).toBeInstanceOf(ProcessSupervisor);
    expect(supervisor.kind).toBe('process');
    expect(supervisor.instanceId).toBe('rust-1');
    expect(supervisor.state).toBe(States.stopped);
    await expect(supervisor.start()).rejects.toMatchObject({ code: 'ERR_EXECUTABLE_NOT_FOUND' });
  });

  it('builds an unmanaged process instance when there is no executable', async () => {
    await using supervisor = createSupervisor({ kind: 'process', id: 'panel-only' });
    expect(supervisor.state).toBe(States.unmanaged);
  });

  it('builds a ComposeSupervisor from a plain compose config, without talking to docker', async () => {
    await using supervisor = createSupervisor({
      kind: 'compose',
      id: 'dune',
      cwd: nowhere,
      docker: `${nowhere}/docker`,
    });
    expect(supervisor).toBeInstanceOf(ComposeSupervisor);
    expect(supervisor.kind).toBe('compose');
    expect(supervisor.state).toBe(States.stopped);
  });

  it('passes the logger through', async () => {
    const lines: string[] = [];
    const logger = {
      debug: (_: object, msg?: string) => lines.push(msg ?? ''),
      info: () => {},
      warn: () => {},
      error: () => {},
    };
    await using supervisor = createSupervisor(
      { kind: 'process', id: 'logged', executable: process.execPath, args: ['-e', ''] },
      { logger },
    );
    await supervisor.start().catch(() => {});
    expect(lines.length).toBeGreaterThan(0);
  });

  it.each([
    [
      { id: 'rust-1' },
      'Instance "rust-1": expected `kind` to be one of "process", "compose", "swarm", got `undefined` (undefined)',
    ],
    [
      { id: 'rust-1', kind: 'k8s' },
      'Instance "rust-1": expected `kind` to be one of "process", "compose", "swarm", got `"k8s"` (string)',
    ],
    [
      { kind: 'PROCESS' },
      'expected `kind` to be one of "process", "compose", "swarm", got `"PROCESS"` (string)',
    ],
    [
      { id: 'Bad Id!', kind: 'nope' },
      'expected `kind` to be one of "process", "compose", "swarm", got `"nope"` (string)',
    ],
    [null, 'expected `config` to be an object, got `null` (null)'],
    [['process'], 'expected `config` to be an object, got `["process"]` (array)'],
  ])('refuses %j with ERR_INVALID_CONFIG', (config, message) => {
    const error = (() => {
      try {
        createSupervisor(config);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(GamewardError);
    expect(error).toMatchObject({ code: 'ERR_INVALID_CONFIG', message });
  });

  it.each([
    [{ kind: 'process', id: 'a', stopTimeoutMs: -1 }, '`stopTimeoutMs`', '`-1` (number)'],
    [{ kind: 'process', id: 'a', args: 'x y' }, '`args`', '`"x y"` (string)'],
    [{ kind: 'process', id: 'a', stopTimeout: 5 }, '`stopTimeout`', '`5` (number)'],
    [{ kind: 'process', id: 'A b' }, '`id`', '`"A b"` (string)'],
    [{ kind: 'compose', id: 'a' }, '`cwd`', '`undefined` (undefined)'],
    [{ kind: 'compose', id: 'a', cwd: '.', projectName: '-x' }, '`projectName`', '`"-x"`'],
    [{ kind: 'compose', id: 'a', cwd: '.', executable: 'x' }, '`executable`', '`"x"`'],
  ])('lets the implementation validate the rest: %j', (config, field, value) => {
    expect(() => createSupervisor(config)).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_CONFIG',
        message: expect.stringMatching(
          new RegExp(`${escapeRegExp(field)}.*${escapeRegExp(value)}`),
        ),
      }),
    );
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
