import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createLineMatcher } from '../../src/console/readiness.js';
import { isGamewardError } from '../../src/errors.js';
import { normalizeProcessConfig } from '../../src/process/options.js';
import { fromEgg } from '../../src/recipes/index.js';
import { fixture } from '../process/helpers.js';

const egg = (file: string): string => readFileSync(fixture(`eggs/${file}`), 'utf8');
const dir = '/srv/egg';

function caught(fn: () => unknown): Error & { code?: string } {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('fromEgg on real eggs', () => {
  it('PTDL_v1 (pterodactyl/panel Paper): JVM command, {{SERVER_MEMORY}}, done and stop', () => {
    const result = fromEgg(egg('pterodactyl-panel-paper.json'), {
      installDir: dir,
      port: 25565,
      memoryMb: 4096,
    });
    expect(result.egg).toEqual({ name: 'Paper', format: 'PTDL_v1', exporter: 'pterodactyl' });
    expect(result.config).toMatchObject({
      id: 'paper',
      executable: 'java',
      args: [
        '-Xms128M',
        '-Xmx4096M',
        '-Dterminal.jline=false',
        '-Dterminal.ansi=true',
        '-jar',
        'server.jar',
      ],
      cwd: dir,
      stopCommand: 'stop',
    });
    const ready = createLineMatcher(result.config.readiness?.pattern ?? '');
    expect(
      ready('[15:17:49] [Server thread/INFO]: Done (1.020s)! For help, type "help" or "?"'),
    ).toBe(true);
    expect(result.config.env).toMatchObject({
      SERVER_JARFILE: 'server.jar',
      SERVER_MEMORY: '4096',
    });
    expect(result.notCarried.map((g) => g.field)).toEqual([
      'images',
      'scripts.installation',
      'config.files',
      'features',
    ]);
    expect(result.notCarried[0]?.detail).toContain('ghcr.io/pterodactyl/yolks:java_16');
    expect(result.notCarried[3]?.detail).toContain('eula');
    expect(() => normalizeProcessConfig(result.config)).not.toThrow();
  });

  it('PTDL_v1 (pterodactyl/panel Rust): \\"{{VAR}}\\" word-split as the yolk entrypoint does', () => {
    const { config } = fromEgg(egg('pterodactyl-panel-rust.json'), {
      installDir: dir,
      port: 28015,
    });
    expect(config.executable).toBe(`${dir}/RustDedicated`);
    const at = config.args?.indexOf('+server.hostname') ?? -1;
    expect(config.args?.slice(at, at + 4)).toEqual(['+server.hostname', '"A', 'Rust', 'Server"']);
    expect(config.args).toContain('28015');
    expect(config.args?.at(-1)).toBe('28082');
    expect(config.stopCommand).toBe('quit');
  });

  it('a missing port is an ERR_INVALID_CONFIG naming SERVER_PORT', () => {
    const error = caught(() => fromEgg(egg('pterodactyl-panel-rust.json'), { installDir: dir }));
    expect(error.code).toBe('ERR_INVALID_CONFIG');
    expect(error.message).toContain('SERVER_PORT');
  });

  it('PTDL_v2 (Soulmask): /home/container paths become installDir, ^C becomes SIGINT', () => {
    const result = fromEgg(egg('pelican-games-steamcmd-soulmask.json'), {
      installDir: dir,
      port: 8777,
      variables: { EXTRA_ARGS: '-pve -mod=a', ADMIN_PASSWORD: 'adm' },
    });
    expect(result.egg.format).toBe('PTDL_v2');
    expect(result.config.executable).toBe(`${dir}/WS/Binaries/Linux/WSServer-Linux-Shipping`);
    expect(result.config.args).toEqual(
      expect.arrayContaining(['-Port=8777', '-pve', '-mod=a', '-adminpsw=adm']),
    );
    expect(result.config.stopSignal).toBe('SIGINT');
    expect(result.config.stopCommand).toBeUndefined();
    expect(result.notes.join('\n')).toContain('/home/container');
  });

  it('PTDL_v2 (Conan Exiles): "^^C" is SIGINT too, and the launcher chain is kept', () => {
    const { config } = fromEgg(egg('pelican-games-steamcmd-conan-exiles.json'), {
      installDir: dir,
      port: 7777,
    });
    expect(config.stopSignal).toBe('SIGINT');
    expect(config.executable).toBe('xvfb-run');
    expect(config.args?.slice(0, 3)).toEqual([
      '--auto-servernum',
      'wine',
      `${dir}/ConanSandbox/Binaries/Win64/ConanSandboxServer-Win64-Shipping.exe`,
    ]);
    expect(config.args).toContain('-ServerName=Pterodactyl hosted Server');
  });

  it('PTDL_v2 exported by Pelican (Terraria): a plain startup, done with quotes in it', () => {
    const result = fromEgg(egg('pelican-games-standalone-terraria-vanilla.json'), {
      installDir: dir,
      id: 'terraria-1',
    });
    expect(result.egg).toEqual({
      name: 'Terraria Vanilla',
      format: 'PTDL_v2',
      exporter: 'pelican',
    });
    expect(result.config).toMatchObject({
      id: 'terraria-1',
      executable: `${dir}/TerrariaServer.bin.x86_64`,
      args: ['-config', 'serverconfig.txt'],
      readiness: { pattern: "Type 'help' for a list of commands" },
      stopCommand: 'exit',
    });
    expect(result.notCarried.find((g) => g.field === 'config.files')?.detail).toContain(
      'serverconfig.txt (properties parser)',
    );
  });

  it('PLCN_v1 (Pelican Bedrock): array rules, LD_LIBRARY_PATH from the variables', () => {
    const result = fromEgg(egg('pelican-minecraft-vanilla-bedrock.json'), { installDir: dir });
    expect(result.egg.format).toBe('PLCN_v1');
    expect(result.config.executable).toBe(`${dir}/bedrock_server`);
    expect(result.config.args).toEqual([]);
    expect(result.config.env?.LD_LIBRARY_PATH).toBe('.');
    expect(result.notCarried.map((g) => g.field)).toContain('features');
  });

  it('PTDL_v2 (Valheim): a startup that needs a shell is ERR_UNSUPPORTED, and `startup` replaces it', () => {
    const error = caught(() =>
      fromEgg(egg('pelican-games-steamcmd-valheim.json'), { installDir: dir, port: 2456 }),
    );
    expect(error.code).toBe('ERR_UNSUPPORTED');
    expect(error.message).toContain('command substitution');
    const { config } = fromEgg(egg('pelican-games-steamcmd-valheim.json'), {
      installDir: dir,
      port: 2456,
      startup:
        './valheim_server.x86_64 -nographics -batchmode -name "{{SERVER_NAME}}" -port {{SERVER_PORT}} -password "{{PASSWORD}}"',
    });
    expect(config.args).toEqual([
      '-nographics',
      '-batchmode',
      '-name',
      'My Server',
      '-port',
      '2456',
      '-password',
      'secret',
    ]);
    expect(config.env?.LD_LIBRARY_PATH).toBe('./linux64');
    expect(config.stopSignal).toBe('SIGINT');
  });

  it('PTDL_v2 (CS2): required variables without defaults are named; env prefixes become env', () => {
    const error = caught(() =>
      fromEgg(egg('pelican-games-steamcmd-counter-strike-2.json'), {
        installDir: dir,
        port: 27015,
      }),
    );
    expect(isGamewardError(error, 'ERR_INVALID_CONFIG')).toBe(true);
    expect(error.message).toContain('RCON_PASSWORD');
    const result = fromEgg(egg('pelican-games-steamcmd-counter-strike-2.json'), {
      installDir: dir,
      port: 27015,
      variables: { RCON_PASSWORD: 'r', STEAM_GSLT: 't' },
      startup:
        'LD_LIBRARY_PATH=$HOME/game/bin/linuxsteamrt64 ./game/bin/linuxsteamrt64/cs2 -dedicated -port {{SERVER_PORT}} +map {{SRCDS_MAP}}',
    });
    expect(result.config.executable).toBe(`${dir}/game/bin/linuxsteamrt64/cs2`);
    expect(result.config.args).toEqual(['-dedicated', '-port', '27015', '+map', 'de_dust2']);
    expect(result.config.env?.LD_LIBRARY_PATH).toBe(`${dir}/game/bin/linuxsteamrt64`);
    expect(result.config.stopCommand).toBe('quit');
  });

  it('reads PLCN_v3 startup_commands, done arrays and {{server.build.default.port}}', () => {
    const result = fromEgg(
      {
        meta: { version: 'PLCN_v3' },
        name: 'Tiny',
        startup_commands: {
          Default: './srv --port {{server.build.default.port}}',
          Debug: './srv -v',
        },
        config: { startup: '{"done": ["Ready.", "Listening (tcp)"]}', stop: '^SIGTERM' },
        variables: [{ env_variable: 'X', default_value: 'y', rules: ['nullable'] }],
      },
      { installDir: dir, port: 1234 },
    );
    expect(result.config.args).toEqual(['--port', '1234']);
    expect(result.config.stopSignal).toBe('SIGTERM');
    const ready = createLineMatcher(result.config.readiness?.pattern ?? '');
    expect([ready('x Listening (tcp) y'), ready('Ready.'), ready('ReadyX')]).toEqual([
      true,
      true,
      false,
    ]);
    expect(result.notCarried).toEqual([
      { field: 'startup_commands', detail: 'other startup commands not used: Debug' },
    ]);
  });

  it.each([
    [
      'an unknown format',
      { meta: { version: 'PTDL_v9' }, startup: 'x' },
      'ERR_UNSUPPORTED',
      'PTDL_v9',
    ],
    ['invalid JSON', '{ not json', 'ERR_INVALID_ARGUMENT', 'JSON'],
    ['no startup', { meta: { version: 'PTDL_v2' }, name: 'E' }, 'ERR_INVALID_CONFIG', 'startup'],
    [
      'an undefined {{VAR}}',
      { meta: { version: 'PTDL_v2' }, startup: './x {{NOPE}}' },
      'ERR_INVALID_CONFIG',
      'NOPE',
    ],
  ])('rejects %s with a coded error', (_what, input, code, named) => {
    const error = caught(() => fromEgg(input, { installDir: dir }));
    expect(error.code).toBe(code);
    expect(error.message).toContain(named);
  });
});
