import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createLineMatcher } from '../../src/console/readiness.js';
import { isGamewardError } from '../../src/errors.js';
import { normalizeProcessConfig } from '../../src/process/options.js';
import { type RecipeName, recipe, recipeNames } from '../../src/recipes/index.js';
import { fixture } from '../process/helpers.js';

interface ReadyLine {
  recipe: RecipeName;
  line?: string;
  notReady?: string;
  source: string;
}
const { lines } = JSON.parse(readFileSync(fixture('recipes/ready-lines.json'), 'utf8')) as {
  lines: ReadyLine[];
};
// The variables a recipe cannot default (passwords) get test values.
const REQUIRED = { rconPassword: 'r', password: 'hunter22', adminPassword: 'a' };
const build = (name: RecipeName, extra: Record<string, unknown> = {}) =>
  recipe(name, {
    installDir: '/srv/game',
    ...Object.fromEntries(Object.entries(REQUIRED).filter(([key]) => recipeUsesVar(name, key))),
    ...extra,
  } as never);

function recipeUsesVar(name: RecipeName, key: string): boolean {
  try {
    recipe(name, { installDir: '/x', [key]: 'probe' } as never);
    return true;
  } catch (error) {
    return !(isGamewardError(error) && error.message.includes(`option ${key}\``));
  }
}

describe('recipes', () => {
  it('covers every game the issue lists', () => {
    expect(recipeNames).toEqual(
      expect.arrayContaining([
        'rust',
        'valheim',
        'minecraft-java',
        'minecraft-paper',
        'minecraft-bedrock',
        'ark-survival-ascended',
        'counter-strike-2',
        'palworld',
        'factorio',
        '7-days-to-die',
        'terraria',
        'project-zomboid',
        'satisfactory',
        'enshrouded',
        'v-rising',
        'conan-exiles',
        'soulmask',
      ]),
    );
  });

  describe.each(recipeNames.map((name) => [name]))('%s', (name) => {
    const config = build(name);

    it('is a valid ProcessSupervisor config with cwd = installDir and an id from name and port', () => {
      const normalized = normalizeProcessConfig(config);
      expect(normalized.cwd).toBe('/srv/game');
      expect(config.id).toMatch(new RegExp(`^${name}-\\d+$`));
      expect(normalized.readiness?.timeoutMs).toBeGreaterThan(0);
      expect(normalized.stopTimeoutMs).toBeGreaterThanOrEqual(30_000);
    });

    it('runs a binary inside installDir, directly or through its launcher', () => {
      const inside = [config.executable, ...config.args].filter((a) => a.startsWith('/srv/game/'));
      expect(inside.length).toBeGreaterThan(0);
      expect(config.args.join(' ')).not.toMatch(/\{[A-Za-z]+\}/);
    });

    it('stops with a stdin command or a signal, never both', () => {
      expect((config.stopCommand === undefined) !== (config.stopSignal === undefined)).toBe(true);
    });

    it('matches every real ready line quoted for it, and none of its boot lines', () => {
      const match = createLineMatcher(config.readiness?.pattern ?? '');
      const own = lines.filter((l) => l.recipe === name);
      expect(own.some((l) => l.line !== undefined)).toBe(true);
      for (const l of own) {
        if (l.line !== undefined) expect(match(l.line), `${l.line} (${l.source})`).toBe(true);
        if (l.notReady !== undefined) expect(match(l.notReady), l.notReady).toBe(false);
      }
    });
  });

  it('puts the port and the variables where the game reads them', () => {
    const config = recipe('rust', {
      installDir: '/srv/rust',
      port: 28100,
      rconPassword: 's3cret',
      seed: 42,
    });
    expect(config.id).toBe('rust-28100');
    expect(config.executable).toBe('/srv/rust/RustDedicated');
    expect(config.args).toEqual(
      expect.arrayContaining(['+server.port', '28100', '+server.seed', '42']),
    );
    expect(config.args[config.args.indexOf('+rcon.password') + 1]).toBe('s3cret');
    expect(config.stopSignal).toBe('SIGTERM');
  });

  it('runs JVM and Windows servers through their launcher', () => {
    const paper = recipe('minecraft-paper', {
      installDir: '/mc',
      memoryMb: 4096,
      jarFile: 'paper.jar',
    });
    expect(paper.executable).toBe('java');
    expect(paper.args).toEqual([
      '-Xms128M',
      '-Xmx4096M',
      '-Dterminal.jline=false',
      '-Dterminal.ansi=true',
      '-jar',
      '/mc/paper.jar',
      'nogui',
      '--port',
      '25565',
    ]);
    expect(paper.stopCommand).toBe('stop');
    const vr = recipe('v-rising', { installDir: '/vr' });
    expect([vr.executable, vr.args[0]]).toEqual(['wine', '/vr/VRisingServer.exe']);
  });

  it('resolves a relative installDir and appends extraArgs and env', () => {
    const config = recipe('factorio', {
      installDir: 'games/factorio',
      id: 'fac',
      extraArgs: ['--rcon-port', '27015'],
      env: { TZ: 'UTC' },
    });
    expect(config.cwd).toBe(`${process.cwd()}/games/factorio`);
    expect(config.id).toBe('fac');
    expect(config.args.slice(-2)).toEqual(['--rcon-port', '27015']);
    expect(config.env).toEqual({ TZ: 'UTC' });
  });

  it.each([
    [
      'an unknown recipe',
      () => recipe('minecraft' as never, { installDir: '/x' }),
      'ERR_INVALID_ARGUMENT',
      'minecraft-java',
    ],
    [
      'a missing required variable',
      () => recipe('valheim', { installDir: '/x' }),
      'ERR_INVALID_CONFIG',
      'password',
    ],
    [
      'a typo in an option',
      () => recipe('terraria', { installDir: '/x', prot: 1 } as never),
      'ERR_INVALID_CONFIG',
      'prot',
    ],
    [
      'a port out of range',
      () => recipe('terraria', { installDir: '/x', port: 70_000 }),
      'ERR_INVALID_CONFIG',
      '70000',
    ],
    ['no installDir', () => recipe('terraria', {} as never), 'ERR_INVALID_CONFIG', 'installDir'],
    [
      'a bad id',
      () => recipe('terraria', { installDir: '/x', id: 'Bad Id' }),
      'ERR_INVALID_CONFIG',
      'Bad Id',
    ],
  ])('rejects %s with a coded error naming it', (_what, call, code, named) => {
    let caught: unknown;
    try {
      call();
    } catch (error) {
      caught = error;
    }
    expect(isGamewardError(caught, code as 'ERR_INVALID_CONFIG')).toBe(true);
    expect((caught as Error).message).toContain(named);
  });
});
