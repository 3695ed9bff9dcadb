import { describe, expect, it } from 'vitest';
import { ProcessSupervisor } from '../../src/process/index.js';
import { isAlive, labels, nextLine, nodeServer, recordStates, uniqueId } from './helpers.js';

describe('readiness', () => {
  it('stays starting until a line matches, then running; start() resolves on running', async () => {
    await using server = nodeServer('fake-game-server.mjs', ['--boot-ms=300'], {
      readiness: { pattern: /Server started/ },
    });
    const states = recordStates(server);
    let stateAtBootLine: string | undefined;
    void nextLine(server, /Loading world chunk 3/).then(() => {
      stateAtBootLine = server.state.state;
    });
    await server.start();
    expect(stateAtBootLine).toBe('starting');
    expect(server.state.state).toBe('running');
    expect(labels(states)).toEqual(['stopped', 'starting', 'running']);
  });

  it('never misses the very first line of a fast server', async () => {
    for (let i = 0; i < 5; i++) {
      await using server = new ProcessSupervisor({
        id: uniqueId(),
        executable: '/bin/sh',
        args: ['-c', 'echo Ready; exec sleep 1000'],
        readiness: { pattern: 'Ready', timeoutMs: 10_000 },
      });
      await server.start();
      expect(server.recentOutput()[0]?.text).toBe('Ready');
      await server.kill();
    }
  });

  it('matches with ANSI colour codes stripped, the line itself kept as printed', async () => {
    await using server = nodeServer('fake-game-server.mjs', ['--ansi'], {
      readiness: { pattern: /^Server started$/ },
    });
    await server.start();
    expect(server.recentOutput().at(-1)?.text).toBe('\u001b[32mServer started\u001b[0m');
  });

  it('a global RegExp matches on every start (lastIndex is not carried over)', async () => {
    const pattern = /Server started/g;
    await using server = nodeServer('fake-game-server.mjs', [], { readiness: { pattern } });
    await server.start();
    await server.restart();
    await server.restart();
    expect(server.state.state).toBe('running');
    expect(pattern.lastIndex).toBe(0);
  });

  it('timeout: the server is stopped through the ladder, state crashed, start() rejects ERR_READINESS_TIMEOUT', async () => {
    await using server = nodeServer('fake-game-server.mjs', ['--no-ready'], {
      readiness: { pattern: 'Server started', timeoutMs: 300 },
      stopCommand: 'quit',
    });
    const states = recordStates(server);
    const crash = new Promise((resolve) => server.once('crash', resolve));
    const starting = server.start();
    await nextLine(server, /Loading world chunk 3/);
    const pid = server.pid as number;
    await expect(starting).rejects.toMatchObject({
      code: 'ERR_READINESS_TIMEOUT',
      message: expect.stringMatching(/"Server started".*300 ms/),
    });
    expect(labels(states)).toEqual(['stopped', 'starting', 'stopping', 'crashed']);
    expect(isAlive(pid)).toBe(false);
    // The stop went through the ladder: the stop command first.
    expect(server.recentOutput().map((l) => l.text)).toContain('Saving world...');
    await expect(crash).resolves.toMatchObject({ uptimeSeconds: 0 });
  });

  it('timeout on a tree that ignores SIGTERM still ends with nothing alive', async () => {
    await using server = nodeServer('spawn-tree.mjs', ['--root-ignore', 'setsid-ignore'], {
      readiness: { pattern: 'never printed', timeoutMs: 300 },
      stopTimeoutMs: 200,
    });
    const starting = server.start();
    await nextLine(server, /tree ready/);
    const pids = [
      server.pid as number,
      ...server
        .recentOutput()
        .map((l) => /^child (\d+)$/.exec(l.text)?.[1])
        .filter((p) => p !== undefined)
        .map(Number),
    ];
    await expect(starting).rejects.toMatchObject({ code: 'ERR_READINESS_TIMEOUT' });
    expect(pids.filter(isAlive)).toEqual([]);
  });

  it('an exit while starting: crashed, start() rejects with the exit code', async () => {
    await using server = nodeServer('fake-game-server.mjs', ['--exit-at-boot=3'], {
      readiness: { pattern: 'Server started' },
    });
    const states = recordStates(server);
    await expect(server.start()).rejects.toMatchObject({
      code: 'ERR_START_FAILED',
      exitCode: 3,
      message: expect.stringContaining('before it was ready'),
    });
    expect(labels(states)).toEqual(['stopped', 'starting', 'crashed']);
    expect(server.state).toEqual({ state: 'crashed', exitCode: 3 });
  });
});
