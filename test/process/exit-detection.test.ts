import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ProcessSupervisor } from '../../src/process/index.js';
import type { CrashDetails } from '../../src/supervisor.js';
import { labels, nextLine, nodeServer, recordStates, uniqueId } from './helpers.js';

const run = promisify(execFile);

function nextCrash(server: ProcessSupervisor): Promise<CrashDetails> {
  return new Promise((resolve) => server.once('crash', resolve));
}

describe('exit detection (issue 3 fix 1: event-driven, no poll)', () => {
  it('a running instance holds no timer: nothing polls the child (probed in a process of its own)', async () => {
    // Alone in its process, so the test runner's own timers cannot blur the count.
    const { stdout } = await run(process.execPath, [
      '--import',
      'tsx',
      fileURLToPath(new URL('./scripts/timer-probe.mts', import.meta.url)),
    ]);
    const probe = JSON.parse(stdout.trim().split('\n').at(-1) as string);
    expect(probe.before).toEqual([]);
    expect(probe.running).toEqual([]);
    // The only timer after a crash bounds the wait for the last lines, and it is gone after.
    expect(probe.afterCrash).toEqual([]);
    expect(probe.after).toEqual([]);
  });

  it('an exit nobody asked for is crashed with the exit code, and a crash event with the last lines', async () => {
    await using server = nodeServer('fake-game-server.mjs', ['--boot-lines=30']);
    await server.start();
    await nextLine(server, /Server started/);
    const crash = nextCrash(server);
    await server.send('crash 7');
    expect(await server.waitFor('crashed')).toEqual({ state: 'crashed', exitCode: 7 });
    const details = await crash;
    expect(details.exitCode).toBe(7);
    expect(details.signal).toBeUndefined();
    // Whole seconds since running: 0 here unless the machine stalled (lifecycle tests check counting).
    expect(details.uptimeSeconds).toBeLessThan(10);
    // 20 by default, oldest first, ending with the server's dying words.
    expect(details.lastLines).toHaveLength(20);
    expect(details.lastLines.at(-1)).toMatchObject({
      stream: 'stderr',
      text: 'Fatal error: crashing with code 7',
    });
    expect(details.lastLines.at(-2)?.text).toBe('Server started');
    expect(server.pid).toBeUndefined();
  });

  it('a signal death records the signal (the seed lost it)', async () => {
    await using server = nodeServer('fake-game-server.mjs');
    await server.start();
    const crash = nextCrash(server);
    process.kill(server.pid as number, 'SIGKILL');
    expect(await server.waitFor('crashed')).toEqual({ state: 'crashed', signal: 'SIGKILL' });
    expect(await crash).toMatchObject({ signal: 'SIGKILL' });
  });

  it('an unrequested exit 0 is still crashed, as Wings counts it', async () => {
    await using server = nodeServer('fake-game-server.mjs');
    const states = recordStates(server);
    await server.start();
    // The server quits by itself (a player typed `quit` in its console): nobody asked gameward.
    await server.send('quit');
    expect(await server.waitFor('crashed')).toEqual({ state: 'crashed', exitCode: 0 });
    expect(labels(states)).toEqual(['stopped', 'starting', 'running', 'crashed']);
  });

  it('crashLines bounds the lines attached, and only lines of the crashed run count', async () => {
    await using server = nodeServer('fake-game-server.mjs', ['--boot-lines=0'], { crashLines: 3 });
    await server.start();
    const firstCrash = nextCrash(server);
    await server.send('crash 1');
    await firstCrash;
    await server.start();
    const crash = nextCrash(server);
    await server.send('crash 2');
    const details = await crash;
    expect(details.lastLines.map((line) => line.text)).toEqual([
      'Server started',
      'Fatal error: crashing with code 2',
    ]);
  });
});

describe('spawn failures (issue 3 fix 2: never stuck in starting)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-spawn-'));

  it.each([
    ['a file without the execute bit', 'EACCES'],
    ['a directory', 'EACCES'],
  ])(
    '%s: starting → crashed, start() rejects ERR_SPAWN_FAILED with the OS error as cause',
    async (what, code) => {
      let executable = dir;
      if (what.startsWith('a file')) {
        executable = join(dir, 'not-executable.sh');
        writeFileSync(executable, '#!/bin/sh\necho hi\n');
        chmodSync(executable, 0o644);
      }
      await using server = new ProcessSupervisor({ id: uniqueId(), executable });
      const states = recordStates(server);
      const error = await server.start().catch((e: unknown) => e);
      expect(error).toMatchObject({
        code: 'ERR_SPAWN_FAILED',
        cause: expect.objectContaining({ code }),
      });
      expect(labels(states)).toEqual(['stopped', 'starting', 'crashed']);
      expect(server.pid).toBeUndefined();
      // Not stuck: a later start is attempted again (and fails again the same way).
      await expect(server.start()).rejects.toMatchObject({ code: 'ERR_SPAWN_FAILED' });
    },
  );

  it('a missing interpreter (ENOENT from exec) is a spawn failure too', async () => {
    const script = join(dir, 'bad-shebang.sh');
    writeFileSync(script, '#!/nonexistent/interpreter\n');
    chmodSync(script, 0o755);
    await using server = new ProcessSupervisor({ id: uniqueId(), executable: script });
    await expect(server.start()).rejects.toMatchObject({
      code: 'ERR_SPAWN_FAILED',
      cause: expect.objectContaining({ code: 'ENOENT' }),
    });
    expect(server.state.state).toBe('crashed');
  });

  it('a missing cwd is a spawn failure', async () => {
    await using server = new ProcessSupervisor({
      id: uniqueId(),
      executable: process.execPath,
      cwd: join(dir, 'no-such-dir'),
    });
    await expect(server.start()).rejects.toMatchObject({ code: 'ERR_SPAWN_FAILED' });
    expect(server.state.state).toBe('crashed');
  });

  it('ENOEXEC (no known format): glibc hands it to /bin/sh, so it shows as a quick crash, not a hang', async () => {
    const garbage = join(dir, 'garbage.bin');
    writeFileSync(garbage, Buffer.from([0x00, 0x01, 0x02, 0xff, 0x0a, 0x28, 0x29]));
    chmodSync(garbage, 0o755);
    await using server = new ProcessSupervisor({
      id: uniqueId(),
      executable: garbage,
      readiness: { pattern: 'never printed', timeoutMs: 20_000 },
    });
    const error = await server.start().catch((e: unknown) => e);
    // It did start (as /bin/sh) and exited before it was ready.
    expect(error).toMatchObject({ code: 'ERR_START_FAILED' });
    const state = server.state;
    expect(state.state).toBe('crashed');
    expect(state.state === 'crashed' && state.exitCode !== undefined && state.exitCode > 0).toBe(
      true,
    );
  });
});
