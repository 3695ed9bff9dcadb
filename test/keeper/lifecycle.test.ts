import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isGamewardError } from '../../src/errors.js';
import { type KeptLine, launchKept } from '../../src/keeper/index.js';
import { cleanUp, FAKE_SERVER, isAlive, makeStateDir, testEnv, waitDead } from './helpers.js';

let stateDir = makeStateDir();
const dirs: string[] = [];
afterEach(async () => {
  await cleanUp(stateDir, dirs.splice(0));
  stateDir = makeStateDir();
});

/** Launches a server under a keeper, collecting its lines; `until(text)` waits for a line. */
async function launch(file: string, args: string[], name = `s${dirs.length}`) {
  const dir = join(stateDir, name);
  dirs.push(dir);
  const lines: KeptLine[] = [];
  const waiters = new Set<() => void>();
  const server = await launchKept(
    { dir, file, args, cwd: stateDir, env: testEnv() },
    {
      onLine: (line) => {
        lines.push(line);
        for (const wake of waiters) wake();
      },
    },
  );
  const until = (text: string) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (!lines.some((line) => line.text === text)) return;
        waiters.delete(check);
        resolve();
      };
      waiters.add(check);
      check();
    });
  return { dir, server, lines, until };
}

const sh = (script: string): [string, string[]] => ['/bin/sh', ['-c', script]];

describe('launchKept', () => {
  it('runs the server with its output, its console and its exit code', async () => {
    const { server, lines, until } = await launch(process.execPath, [FAKE_SERVER]);
    expect(isAlive(server.pid)).toBe(true);
    expect(server.keeperPid).not.toBe(server.pid);
    await until('Server started');
    server.send('say hello there');
    await until('[Server] hello there');
    server.send('crash 3');
    const outcome = await server.exited;
    expect(outcome).toEqual({
      kind: 'exited',
      exitCode: 3,
      ambiguous: false,
      stopRequested: false,
    });
    expect(lines.map((line) => `${line.stream} ${line.text}`)).toEqual([
      'stdout Loading world chunk 1',
      'stdout Loading world chunk 2',
      'stdout Loading world chunk 3',
      'stdout Server started',
      'stdout [Server] hello there',
      'stderr Fatal error: crashing with code 3',
    ]);
    expect(lines.every((line) => !line.replayed)).toBe(true);
    await waitDead([server.keeperPid]);
  });

  it('runs the server in its own session, tags stderr, and closes the folder to others', async () => {
    const [file, args] = sh('echo out; echo err >&2; exec sleep 60');
    const { dir, server, lines, until } = await launch(file, args);
    await until('err');
    await until('out');
    expect(lines.find((line) => line.text === 'err')?.stream).toBe('stderr');
    expect(lines.find((line) => line.text === 'out')?.stream).toBe('stdout');
    const { readFileSync, statSync } = await import('node:fs');
    const stat = readFileSync(`/proc/${server.pid}/stat`, 'latin1').split(') ')[1]!.split(' ');
    expect(Number(stat[2])).toBe(server.pid); // pgrp
    expect(Number(stat[3])).toBe(server.pid); // session
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    await server.signal('SIGKILL');
    expect(await server.exited).toMatchObject({
      kind: 'exited',
      signal: 'SIGKILL',
      ambiguous: false,
    });
  });

  it('tells a death by SIGTERM from exit(143), and flags SIGINT as ambiguous', async () => {
    const killed = await launch(...sh('kill -TERM $$; sleep 5'));
    expect(await killed.server.exited).toEqual({
      kind: 'exited',
      signal: 'SIGTERM',
      ambiguous: false,
      stopRequested: false,
    });
    const exited = await launch(...sh('exit 143'));
    expect(await exited.server.exited).toEqual({
      kind: 'exited',
      exitCode: 143,
      ambiguous: false,
      stopRequested: false,
    });
    const interrupted = await launch(...sh('kill -INT $$; sleep 5'));
    expect(await interrupted.server.exited).toMatchObject({ signal: 'SIGINT', ambiguous: true });
  });

  it('records an ordered stop', async () => {
    const { server, until } = await launch(process.execPath, [FAKE_SERVER]);
    await until('Server started');
    server.markStopRequested();
    await server.signal('SIGTERM');
    expect(await server.exited).toEqual({
      kind: 'exited',
      exitCode: 0,
      ambiguous: false,
      stopRequested: true,
    });
  });

  it('signals the whole tree, descendants that left the session included', async () => {
    const tree = new URL('../fixtures/spawn-tree.mjs', import.meta.url).pathname;
    const { server, lines, until } = await launch(process.execPath, [
      tree,
      'group-ignore',
      'setsid-ignore',
    ]);
    await until('tree ready');
    const children = lines
      .filter((line) => line.text.startsWith('child '))
      .map((line) => Number(line.text.slice(6)));
    expect(children).toHaveLength(2);
    expect(children.every(isAlive)).toBe(true);
    const sent = await server.signal('SIGKILL');
    expect(sent).toEqual(expect.arrayContaining([server.pid, ...children]));
    expect(sent).not.toContain(server.keeperPid);
    await waitDead(children);
    expect(await server.exited).toMatchObject({ signal: 'SIGKILL' });
  });

  it('writes the console without ever blocking: a full FIFO is a coded error', async () => {
    const { server } = await launch(...sh('exec sleep 60'));
    const line = 'x'.repeat(4000);
    let error: unknown;
    for (let i = 0; i < 40 && error === undefined; i++) {
      try {
        server.send(line);
      } catch (caught) {
        error = caught;
      }
    }
    expect(isGamewardError(error, 'ERR_CONSOLE_FULL')).toBe(true);
    expect(String(error)).toMatch(/full/);
    await server.signal('SIGKILL');
    await server.exited;
    expect(() => server.send('late')).toThrow(expect.objectContaining({ code: 'ERR_NOT_RUNNING' }));
  });

  it('refuses a second copy, and removes the folder only once the server is over', async () => {
    const { dir, server } = await launch(...sh('exec sleep 60'), 'twice');
    await expect(
      launchKept({ dir, file: 'sleep', args: ['1'], cwd: '/', env: testEnv() }),
    ).rejects.toMatchObject({
      code: 'ERR_ALREADY_RUNNING',
    });
    expect(() => server.remove()).toThrow(expect.objectContaining({ code: 'ERR_INVALID_STATE' }));
    await server.signal('SIGTERM');
    await server.exited;
    await waitDead([server.keeperPid]);
    server.remove();
    expect(existsSync(dir)).toBe(false);
  });

  it('reports a missing executable and a bad spec with codes', async () => {
    const dir = join(stateDir, 'missing');
    dirs.push(dir);
    await expect(
      launchKept({ dir, file: 'no-such-server-xyz', args: [], cwd: '/', env: testEnv() }),
    ).rejects.toMatchObject({ code: 'ERR_EXECUTABLE_NOT_FOUND' });
    await expect(
      launchKept({ dir, file: 'sleep', args: [], cwd: '/', env: testEnv(), outputCapBytes: 10 }),
    ).rejects.toMatchObject({
      code: 'ERR_INVALID_CONFIG',
      message: expect.stringContaining('outputCapBytes'),
    });
    await expect(
      launchKept({ dir: 'relative', file: 'sleep', args: [], cwd: '/', env: testEnv() }),
    ).rejects.toMatchObject({
      code: 'ERR_INVALID_CONFIG',
    });
  });

  it('keeps no FIFO path near the sun_path limit: it uses no socket at all', async () => {
    const { dir, server } = await launch(...sh('exec sleep 60'));
    const names = readdirSync(dir);
    expect(names).toEqual(
      expect.arrayContaining(['alive', 'console', 'meta', 'keeper.sh', 'spec.json']),
    );
    await server.signal('SIGKILL');
    await server.exited;
  });
});
