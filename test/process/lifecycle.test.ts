import { mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProcessSupervisor } from '../../src/process/index.js';
import {
  fixture,
  isAlive,
  labels,
  nextLine,
  nodeServer,
  recordStates,
  uniqueId,
} from './helpers.js';

describe('ProcessSupervisor lifecycle', () => {
  it('start: stopped → starting → running; stop: stopping → stopped, the process gone', async () => {
    await using server = nodeServer('fake-game-server.mjs');
    const states = recordStates(server);
    expect(server.pid).toBeUndefined();
    expect(server.uptimeSeconds()).toBe(0);
    await server.start();
    const pid = server.pid as number;
    expect(pid).toBeGreaterThan(0);
    expect(isAlive(pid)).toBe(true);
    expect(server.state).toEqual({ state: 'running' });
    await server.stop();
    expect(labels(states)).toEqual(['stopped', 'starting', 'running', 'stopping', 'stopped']);
    expect(server.pid).toBeUndefined();
    expect(isAlive(pid)).toBe(false);
    expect(server.uptimeSeconds()).toBe(0);
  });

  it('start with a missing executable rejects ERR_EXECUTABLE_NOT_FOUND and leaves the state alone', async () => {
    await using server = new ProcessSupervisor({ id: uniqueId(), executable: '/nonexistent/srv' });
    const states = recordStates(server);
    await expect(server.start()).rejects.toMatchObject({
      code: 'ERR_EXECUTABLE_NOT_FOUND',
      message: expect.stringContaining('/nonexistent/srv'),
    });
    await using byName = new ProcessSupervisor({ id: uniqueId(), executable: 'gw-no-such-cmd' });
    await expect(byName.start()).rejects.toMatchObject({ code: 'ERR_EXECUTABLE_NOT_FOUND' });
    expect(labels(states)).toEqual(['stopped']);
    expect(byName.state.state).toBe('stopped');
  });

  it("looks a bare name up on PATH (the instance env PATH first) and runs it in the host's cwd, not the PATH folder", async () => {
    const binDir = dirname(process.execPath);
    await using server = new ProcessSupervisor({
      id: uniqueId(),
      executable: 'node',
      args: ['-e', 'console.log("cwd=" + process.cwd()); setInterval(() => {}, 1e9)'],
      env: { PATH: `/nonexistent:${binDir}` },
    });
    await server.start();
    const line = await nextLine(server, /^cwd=/);
    expect(line.text).toBe(`cwd=${realpathSync(process.cwd())}`);
    expect(line.text).not.toBe(`cwd=${realpathSync(binDir)}`);
  });

  it("defaults cwd to the executable's folder when it is given as a path (as the seed did)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-cwd-'));
    const script = join(dir, 'srv.sh');
    writeFileSync(script, '#!/bin/sh\necho "cwd=$(pwd -P)"\nexec sleep 1000\n', { mode: 0o755 });
    await using server = new ProcessSupervisor({ id: uniqueId(), executable: script });
    await server.start();
    const line = await nextLine(server, /^cwd=/);
    expect(line.text).toBe(`cwd=${realpathSync(dir)}`);
  });

  it('passes args verbatim, never through a shell, and merges env over the host env', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-args-'));
    const out = join(dir, 'args.json');
    const script = `require('node:fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify({ args: process.argv.slice(1), mine: process.env.GW_MINE, host: process.env.GAMEWARD_TEST_RUN }))`;
    const tricky = ['$(touch /tmp/gw-pwned)', '*', 'a b', '"quoted"', "it's", '; echo hi', ''];
    await using server = new ProcessSupervisor({
      id: uniqueId(),
      executable: process.execPath,
      args: ['-e', script, ...tricky],
      cwd: dir,
      env: { GW_MINE: 'yes' },
    });
    await server.start();
    await server.waitFor('crashed');
    const seen = JSON.parse(readFileSync(out, 'utf8'));
    expect(seen.args).toEqual(tricky);
    expect(seen.mine).toBe('yes');
    expect(seen.host).toBe(process.env.GAMEWARD_TEST_RUN);
  });

  it('start while running rejects ERR_ALREADY_RUNNING; stop while stopped rejects ERR_NOT_RUNNING', async () => {
    await using server = nodeServer('fake-game-server.mjs');
    await expect(server.stop()).rejects.toMatchObject({ code: 'ERR_NOT_RUNNING' });
    await expect(server.kill()).rejects.toMatchObject({ code: 'ERR_NOT_RUNNING' });
    await server.start();
    const pid = server.pid;
    await expect(server.start()).rejects.toMatchObject({ code: 'ERR_ALREADY_RUNNING' });
    expect(server.pid).toBe(pid);
    await server.stop();
    await expect(server.stop()).rejects.toMatchObject({ code: 'ERR_NOT_RUNNING' });
  });

  it('restart stops, pauses restartDelayMs, and starts a new process', async () => {
    await using server = nodeServer('fake-game-server.mjs', [], { restartDelayMs: 200 });
    await server.start();
    const first = server.pid as number;
    const states = recordStates(server);
    const began = Date.now();
    await server.restart();
    expect(Date.now() - began).toBeGreaterThanOrEqual(190);
    expect(labels(states)).toEqual(['running', 'stopping', 'stopped', 'starting', 'running']);
    expect(server.pid).not.toBe(first);
    expect(isAlive(first)).toBe(false);
  });

  it('restart from stopped or crashed just starts', async () => {
    await using server = nodeServer('fake-game-server.mjs');
    await server.restart();
    expect(server.state.state).toBe('running');
    await server.send('crash 4');
    await server.waitFor('crashed');
    await server.restart();
    expect(server.state.state).toBe('running');
  });

  it('uptimeSeconds counts whole seconds while running only', async () => {
    await using server = nodeServer('fake-game-server.mjs');
    await server.start();
    expect(server.uptimeSeconds()).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(server.uptimeSeconds()).toBeGreaterThanOrEqual(1);
    await server.stop();
    expect(server.uptimeSeconds()).toBe(0);
  });

  it('runs a shell script by path (shebang) and reports its output', async () => {
    await using server = new ProcessSupervisor({
      id: uniqueId(),
      executable: fixture('wrapper.sh'),
      env: { NODE: process.execPath },
      readiness: { pattern: 'Server started', timeoutMs: 10_000 },
    });
    await server.start();
    expect(server.state.state).toBe('running');
  });
});
