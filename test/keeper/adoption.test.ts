import { execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  constants,
  cpSync,
  openSync,
  readdirSync,
  readFileSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { adoptKept, type KeptLine, launchKept, replayKeptOutput } from '../../src/keeper/index.js';
import { viewProcess } from '../../src/keeper/proc-identity.js';
import { cleanUp, isAlive, makeStateDir, startHost, testEnv, waitDead } from './helpers.js';

let stateDir = makeStateDir();
const dirs: string[] = [];
afterEach(async () => {
  await cleanUp(stateDir, dirs.splice(0));
  stateDir = makeStateDir();
});

function folder(name: string): string {
  const dir = join(stateDir, name);
  dirs.push(dir);
  return dir;
}

/** Types into a kept server's console as an outside actor would, with no host running. */
function typeInto(dir: string, text: string): void {
  const fd = openSync(join(dir, 'console'), constants.O_WRONLY | constants.O_NONBLOCK);
  writeSync(fd, `${text}\n`);
  closeSync(fd);
}

/** Waits until the server's stdout segments on disk hold `text` (no host reads them). */
async function waitOnDisk(dir: string, text: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const names = readdirSync(dir).filter((name) => name.startsWith('out.0'));
    if (names.some((name) => readFileSync(join(dir, name), 'utf8').includes(text))) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${text} never reached ${dir}`);
}

/** Waits until the host's saved cursor covers everything stdout printed so far. */
async function waitCursorCaughtUp(dir: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const size = readFileSync(join(dir, 'out.00000000')).length;
    const cursor = /^out 0 (\d+)/.exec(readFileSync(join(dir, 'cursor'), 'latin1'));
    if (Number(cursor?.[1]) === size) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`the host never saved its cursor in ${dir}`);
}

function rewriteMeta(dir: string, changes: Record<string, string>): void {
  let meta = readFileSync(join(dir, 'meta'), 'latin1');
  for (const [key, value] of Object.entries(changes))
    meta = meta.replace(new RegExp(`^${key}=.*$`, 'm'), `${key}=${value}`);
  writeFileSync(join(dir, 'meta'), meta);
}

async function launchDetached(name: string) {
  const dir = folder(name);
  const server = await launchKept({ dir, file: 'sleep', args: ['60'], cwd: '/', env: testEnv() });
  server.detach();
  return { dir, server };
}

describe('adoptKept after the host was SIGKILLed', () => {
  it('adopts the same server, replays what was printed meanwhile exactly once, then goes live', async () => {
    const dir = folder('game');
    const host = startHost(['launch', dir]);
    const launched = await host.next((event) => event.event === 'launched');
    await host.next((event) => event.text === 'Server started');
    await waitCursorCaughtUp(dir);
    await host.kill();
    expect(isAlive(launched.pid as number)).toBe(true);
    typeInto(dir, 'spam 50');
    await waitOnDisk(dir, 'spam 50\n');
    const lines: KeptLine[] = [];
    const result = await adoptKept(
      dir,
      { instanceId: 'game' },
      { onLine: (line) => lines.push(line) },
    );
    if (result.kind !== 'running') throw new Error(`adopted as ${result.kind}`);
    const { server } = result;
    expect(server.pid).toBe(launched.pid);
    expect(server.keeperPid).toBe(launched.keeperPid);
    server.send('say live again');
    const outcomeAfterStop = new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (lines.some((line) => line.text === '[Server] live again')) {
          clearInterval(timer);
          resolve();
        }
      }, 10);
    });
    await outcomeAfterStop;
    const replayed = lines.filter((line) => line.replayed).map((line) => line.text);
    expect(replayed).toEqual(Array.from({ length: 50 }, (_, i) => `spam ${i + 1}`));
    expect(lines.filter((line) => !line.replayed).map((line) => line.text)).toEqual([
      '[Server] live again',
    ]);
    server.markStopRequested();
    await server.signal('SIGTERM');
    expect(await server.exited).toEqual({
      kind: 'exited',
      exitCode: 0,
      ambiguous: false,
      stopRequested: true,
    });
    await waitDead([server.pid, server.keeperPid]);
  });

  it('keeps none of the dead host fds open in the keeper or the server', async () => {
    const dir = folder('fds');
    const host = startHost(['launch', dir], true);
    const launched = await host.next((event) => event.event === 'launched');
    const extra = host.child.stdio[3] as NodeJS.ReadableStream;
    const closed = new Promise<void>((resolve) => extra.on('close', () => resolve()).resume());
    await host.kill();
    await closed;
    expect(isAlive(launched.pid as number)).toBe(true);
  });

  it('reports the exit code of a server that crashed while no host was there', async () => {
    const dir = folder('crash');
    const host = startHost(['launch', dir]);
    const launched = await host.next((event) => event.event === 'launched');
    await host.next((event) => event.text === 'Server started');
    await waitCursorCaughtUp(dir);
    await host.kill();
    typeInto(dir, 'crash 7');
    await waitDead([launched.pid as number, launched.keeperPid as number]);
    expect(await adoptKept(dir, {})).toEqual({
      kind: 'exited',
      exitCode: 7,
      ambiguous: false,
      stopRequested: false,
    });
    const lines: string[] = [];
    replayKeptOutput(dir, { onLine: (line) => lines.push(`${line.stream} ${line.text}`) });
    expect(lines).toEqual(['stderr Fatal error: crashing with code 7']);
  });
});

describe('adoptKept when the keeper is gone', () => {
  it('reports a SIGKILLed keeper as gone, live and on adoption, never as running', async () => {
    const dir = folder('killed');
    const server = await launchKept({ dir, file: 'sleep', args: ['60'], cwd: '/', env: testEnv() });
    process.kill(server.keeperPid, 'SIGKILL');
    expect(await server.exited).toEqual({ kind: 'gone', reason: 'keeper-killed' });
    const result = await adoptKept(dir, {});
    expect(result).toMatchObject({ kind: 'gone', reason: 'keeper-killed' });
    expect(result.kind === 'gone' && result.strayPids).toContain(server.pid);
  });

  it('reports a folder from before a reboot as gone', async () => {
    const { dir } = await launchDetached('reboot');
    rewriteMeta(dir, { boot_id: '00000000-0000-4000-8000-000000000000' });
    expect(await adoptKept(dir, {})).toEqual({ kind: 'gone', reason: 'reboot', strayPids: [] });
  });

  it('says absent for a folder where nothing was launched', async () => {
    expect(await adoptKept(join(stateDir, 'nothing'), {})).toEqual({ kind: 'absent' });
  });
});

describe('adoptKept refuses what is not ours', () => {
  it('refuses a folder copied from a running instance, and leaves the original alone', async () => {
    const { dir, server } = await launchDetached('original');
    const copy = folder('copy');
    execFileSync('cp', ['-a', dir, copy]);
    await expect(adoptKept(copy, { instanceId: 'copy' })).rejects.toMatchObject({
      code: 'ERR_INVALID_STATE',
      message: expect.stringMatching(/copy.*another folder's keeper/),
    });
    expect(isAlive(server.pid)).toBe(true);
    expect((await adoptKept(dir, {})).kind).toBe('running');
  });

  it('refuses a planted server pid or keeper pid with the right start time', async () => {
    const { dir, server } = await launchDetached('planted');
    const foreign = spawn('sleep', ['30'], { stdio: 'ignore' });
    const pid = foreign.pid as number;
    const start = viewProcess(pid)?.startTime as string;
    try {
      rewriteMeta(dir, { server_pid: String(pid), server_start: start });
      await expect(adoptKept(dir, {})).rejects.toMatchObject({
        code: 'ERR_INVALID_STATE',
        message: expect.stringMatching(/planted/),
      });
      rewriteMeta(dir, { keeper_pid: String(pid), keeper_start: start });
      await expect(adoptKept(dir, {})).rejects.toMatchObject({ code: 'ERR_INVALID_STATE' });
      expect(isAlive(pid)).toBe(true);
      expect(isAlive(server.pid)).toBe(true);
    } finally {
      foreign.kill('SIGKILL');
    }
  });

  it('refuses a folder others can write, a damaged meta, and a newer protocol', async () => {
    const { dir } = await launchDetached('damaged');
    chmodSync(dir, 0o770);
    await expect(adoptKept(dir, {})).rejects.toMatchObject({
      code: 'ERR_INVALID_STATE',
      message: expect.stringMatching(/mode is 770/),
    });
    chmodSync(dir, 0o700);
    rewriteMeta(dir, { server_pid: 'twelve' });
    await expect(adoptKept(dir, {})).rejects.toMatchObject({
      code: 'ERR_INVALID_STATE',
      message: expect.stringMatching(/server_pid/),
    });
    rewriteMeta(dir, { version: '3' });
    await expect(adoptKept(dir, {})).rejects.toMatchObject({
      message: expect.stringMatching(/protocol 3, newer/),
    });
    await expect(adoptKept(dir, { file: '/bin/other' })).rejects.toMatchObject({
      code: 'ERR_INVALID_STATE',
    });
  });

  it('adopts a recorded protocol 1 folder: exit record, 128+N read as a signal, output replayed', async () => {
    const dir = folder('v1');
    cpSync(new URL('../fixtures/keeper/v1-exited', import.meta.url).pathname, dir, {
      recursive: true,
    });
    chmodSync(dir, 0o700);
    expect(await adoptKept(dir, { file: '/opt/game/server' })).toEqual({
      kind: 'exited',
      signal: 'SIGTERM',
      ambiguous: true,
      stopRequested: true,
    });
    const lines: string[] = [];
    replayKeptOutput(dir, { onLine: (line) => lines.push(line.text) });
    expect(lines).toEqual(['Server started', 'Received SIGTERM']);
  });
});
