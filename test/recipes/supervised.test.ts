import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ProcessSupervisor } from '../../src/process/index.js';
import { fromEgg, type RecipeName, recipe } from '../../src/recipes/index.js';
import { fixture, isAlive, labels, recordStates, uniqueId } from '../process/helpers.js';

const root = realpathSync(mkdtempSync(join(tmpdir(), 'gameward-recipes-')));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const { lines } = JSON.parse(readFileSync(fixture('recipes/ready-lines.json'), 'utf8')) as {
  lines: { recipe: string; line?: string }[];
};
const readyLine = (name: string): string =>
  lines.find((l) => l.recipe === name && l.line !== undefined)?.line as string;

/** An install folder holding the fake server under the game's real binary name. */
function install(binary: string): string {
  const dir = mkdtempSync(join(root, 'install-'));
  const target = join(dir, binary);
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(fixture('recipes/fake-game.cjs'), target);
  chmodSync(target, 0o755);
  return dir;
}

async function runUntilStopped(supervisor: ProcessSupervisor): Promise<string[]> {
  const states = recordStates(supervisor);
  await supervisor.start();
  const pid = supervisor.pid as number;
  expect(supervisor.state).toEqual({ state: 'running' });
  await supervisor.stop();
  expect(isAlive(pid)).toBe(false);
  expect(labels(states)).toEqual(['stopped', 'starting', 'running', 'stopping', 'stopped']);
  return supervisor.recentOutput().map((line) => line.text);
}

describe('recipes under a real ProcessSupervisor', () => {
  it.each([
    ['factorio', 'bin/x64/factorio', 'command /quit', {}],
    ['terraria', 'TerrariaServer.bin.x86_64', 'command exit', {}],
    ['valheim', 'valheim_server.x86_64', 'SIGINT', { password: 'hunter22' }],
    ['rust', 'RustDedicated', 'SIGTERM', { rconPassword: 'r' }],
  ] as const)(
    "%s reaches running on its real ready line and stops the recipe's way",
    async (name, binary, stoppedBy, vars) => {
      const dir = install(binary);
      const config = recipe(
        name as RecipeName,
        {
          installDir: dir,
          id: uniqueId(name),
          ...vars,
          env: { READY_LINE: readyLine(name), STOP_COMMAND: stoppedBy.replace('command ', '') },
          stopTimeoutMs: 10_000,
        } as never,
      );
      await using server = new ProcessSupervisor(config);
      const output = await runUntilStopped(server);
      expect(output).toContain(readyLine(name));
      expect(output).toContain(`Stopping: ${stoppedBy}`);
      // The server ran in installDir and got the recipe's arguments.
      const seen = JSON.parse(readFileSync(join(dir, 'fake-game-argv.json'), 'utf8'));
      expect(seen).toEqual({ argv: config.args, cwd: dir });
    },
  );

  it('an imported egg (Terraria, PTDL_v2) runs the same way', async () => {
    const dir = install('TerrariaServer.bin.x86_64');
    const { config } = fromEgg(
      readFileSync(fixture('eggs/pelican-games-standalone-terraria-vanilla.json'), 'utf8'),
      {
        installDir: dir,
        id: uniqueId('egg'),
        env: { READY_LINE: "Type 'help' for a list of commands", STOP_COMMAND: 'exit' },
        stopTimeoutMs: 10_000,
      },
    );
    await using server = new ProcessSupervisor(config);
    const output = await runUntilStopped(server);
    expect(output).toContain('Stopping: command exit');
    const seen = JSON.parse(readFileSync(join(dir, 'fake-game-argv.json'), 'utf8'));
    expect(seen).toEqual({ argv: ['-config', 'serverconfig.txt'], cwd: dir });
  });
});
