import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAlive, labels, nodeServer, recordStates } from './helpers.js';

describe('lifecycle calls run one at a time, in call order (issue 3 fix 4)', () => {
  it('a start() issued during a stop waits for it, then starts: never two servers at once', async () => {
    const pidfile = join(mkdtempSync(join(tmpdir(), 'gw-serial-')), 'pids');
    await using server = nodeServer(
      'fake-game-server.mjs',
      ['--quit-ms=300', `--pidfile=${pidfile}`],
      {
        stopCommand: 'quit',
        readiness: { pattern: 'Server started' },
      },
    );
    await server.start();
    const first = server.pid as number;
    const states = recordStates(server);
    let firstAliveAtSecondStart: boolean | undefined;
    server.on('state', (next) => {
      if (next.state === 'starting') firstAliveAtSecondStart = isAlive(first);
    });
    const stopping = server.stop();
    const starting = server.start();
    await Promise.all([stopping, starting]);
    expect(labels(states)).toEqual(['running', 'stopping', 'stopped', 'starting', 'running']);
    expect(firstAliveAtSecondStart).toBe(false);
    expect(server.pid).not.toBe(first);
    expect(readFileSync(pidfile, 'utf8').trim().split('\n')).toHaveLength(2);
  });

  it('three concurrent start() calls spawn exactly one server; the others reject ERR_ALREADY_RUNNING', async () => {
    const pidfile = join(mkdtempSync(join(tmpdir(), 'gw-serial-')), 'pids');
    await using server = nodeServer(
      'fake-game-server.mjs',
      ['--boot-ms=100', `--pidfile=${pidfile}`],
      {
        readiness: { pattern: 'Server started' },
      },
    );
    const states = recordStates(server);
    const results = await Promise.allSettled([server.start(), server.start(), server.start()]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
    for (const result of results.slice(1)) {
      expect(result).toMatchObject({ reason: { code: 'ERR_ALREADY_RUNNING' } });
    }
    expect(labels(states)).toEqual(['stopped', 'starting', 'running']);
    expect(readFileSync(pidfile, 'utf8').trim().split('\n')).toEqual([String(server.pid)]);
  });

  it('start, stop, start, stop issued together run in that order', async () => {
    await using server = nodeServer('fake-game-server.mjs', [], {
      stopCommand: 'quit',
      readiness: { pattern: 'Server started' },
    });
    const states = recordStates(server);
    await Promise.all([server.start(), server.stop(), server.start(), server.stop()]);
    expect(labels(states)).toEqual([
      'stopped',
      'starting',
      'running',
      'stopping',
      'stopped',
      'starting',
      'running',
      'stopping',
      'stopped',
    ]);
  });

  it('a call queued behind a kill runs once the kill is done', async () => {
    await using server = nodeServer('ignore-term.mjs', [], {
      stopTimeoutMs: 120_000,
      readiness: { pattern: 'ready' },
    });
    await server.start();
    const first = server.pid as number;
    const stopping = server.stop();
    const restarting = server.start();
    await server.waitFor('stopping');
    await server.kill();
    await expect(stopping).rejects.toMatchObject({ code: 'ERR_KILLED' });
    await restarting;
    expect(server.state.state).toBe('running');
    expect(isAlive(first)).toBe(false);
    // Dispose would give this SIGTERM-ignoring server its whole 120 s ladder.
    await server.kill();
  });
});
