import { describe, expect, it } from 'vitest';
import { isAlive, labels, nextLine, nodeServer, recordStates } from './helpers.js';

const texts = (lines: readonly { text: string }[]): string[] => lines.map((line) => line.text);

describe('the stop ladder: command, signal, SIGKILL', () => {
  it('the stop command comes first; a server that obeys it never sees the signal', async () => {
    await using server = nodeServer('fake-game-server.mjs', ['--quit-ms=50'], {
      stopCommand: 'quit',
      readiness: { pattern: 'Server started' },
    });
    await server.start();
    await server.stop();
    const out = texts(server.recentOutput());
    expect(out).toContain('Saving world...');
    expect(out).toContain('Goodbye');
    expect(out).not.toContain('Received SIGTERM');
  });

  it('a server that ignores the command gets the stop signal after its share of the budget', async () => {
    await using server = nodeServer('fake-game-server.mjs', [], {
      stopCommand: 'shutdown-please',
      stopTimeoutMs: 600,
      readiness: { pattern: 'Server started' },
    });
    await server.start();
    const began = Date.now();
    await server.stop();
    // Half of the budget belongs to the command.
    expect(Date.now() - began).toBeGreaterThanOrEqual(290);
    const out = texts(server.recentOutput());
    expect(out.indexOf('Unknown command: shutdown-please')).toBeGreaterThan(-1);
    expect(out.indexOf('Received SIGTERM')).toBeGreaterThan(
      out.indexOf('Unknown command: shutdown-please'),
    );
    expect(server.state.state).toBe('stopped');
  });

  it('a server that never reads its stdin (pipe full) cannot stall the ladder', async () => {
    // spawn-tree.mjs never reads stdin and exits on SIGTERM.
    await using server = nodeServer('spawn-tree.mjs', [], {
      stopCommand: 'quit',
      stopTimeoutMs: 400,
      readiness: { pattern: 'tree ready' },
    });
    await server.start();
    // More than a pipe holds: this write can only finish if the server reads.
    const stuck = server.send('x'.repeat(1024 * 1024)).catch((error: unknown) => error);
    await server.stop();
    expect(server.state.state).toBe('stopped');
    expect(await stuck).toMatchObject({ code: 'ERR_NOT_RUNNING' });
  });

  it('the configured stopSignal is the one sent', async () => {
    await using server = nodeServer('fake-game-server.mjs', [], {
      stopSignal: 'SIGHUP',
      readiness: { pattern: 'Server started' },
    });
    await server.start();
    const pid = server.pid as number;
    await server.stop();
    const out = texts(server.recentOutput());
    expect(out).toContain('Received SIGHUP');
    expect(out).not.toContain('Received SIGTERM');
    expect(isAlive(pid)).toBe(false);
  });

  it('a server that ignores both is SIGKILLed; the whole stop stays within budget plus grace', async () => {
    await using server = nodeServer('ignore-term.mjs', [], {
      stopCommand: 'quit',
      stopTimeoutMs: 400,
      killGraceMs: 2000,
      readiness: { pattern: 'ready' },
    });
    await server.start();
    const pid = server.pid as number;
    const states = recordStates(server);
    const began = Date.now();
    await server.stop();
    const took = Date.now() - began;
    expect(took).toBeGreaterThanOrEqual(390);
    // A generous sanity bound: budget + grace.
    expect(took).toBeLessThan(400 + 2000 + 1000);
    expect(texts(server.recentOutput())).toContain('ignoring SIGTERM');
    expect(labels(states)).toEqual(['running', 'stopping', 'stopped']);
    expect(isAlive(pid)).toBe(false);
  });

  it('kill() skips the ladder', async () => {
    await using server = nodeServer('ignore-term.mjs', [], {
      stopCommand: 'quit',
      stopTimeoutMs: 120_000,
      readiness: { pattern: 'ready' },
    });
    await server.start();
    const pid = server.pid as number;
    const states = recordStates(server);
    await server.kill();
    expect(labels(states)).toEqual(['running', 'stopping', 'stopped']);
    expect(isAlive(pid)).toBe(false);
    expect(texts(server.recentOutput())).not.toContain('ignoring SIGTERM');
  });

  it('kill() preempts a stop in progress: the stop rejects ERR_KILLED, the kill resolves stopped', async () => {
    await using server = nodeServer('ignore-term.mjs', [], {
      stopTimeoutMs: 120_000,
      readiness: { pattern: 'ready' },
    });
    await server.start();
    const pid = server.pid as number;
    const states = recordStates(server);
    const stopping = server.stop();
    await server.waitFor('stopping');
    await nextLine(server, /ignoring SIGTERM/);
    await server.kill();
    await expect(stopping).rejects.toMatchObject({ code: 'ERR_KILLED' });
    expect(labels(states)).toEqual(['running', 'stopping', 'stopped']);
    expect(isAlive(pid)).toBe(false);
  });

  it('kill() preempts a start waiting for its ready line', async () => {
    await using server = nodeServer('fake-game-server.mjs', ['--no-ready'], {
      readiness: { pattern: 'Server started', timeoutMs: 120_000 },
    });
    const states = recordStates(server);
    const starting = server.start();
    await nextLine(server, /Loading world chunk 3/);
    const pid = server.pid as number;
    await server.kill();
    await expect(starting).rejects.toMatchObject({ code: 'ERR_KILLED' });
    expect(labels(states)).toEqual(['stopped', 'starting', 'stopping', 'stopped']);
    expect(isAlive(pid)).toBe(false);
  });

  it("kill() during restart()'s pause ends the restart: nothing starts", async () => {
    await using server = nodeServer('fake-game-server.mjs', [], { restartDelayMs: 60_000 });
    await server.start();
    const states = recordStates(server);
    const restarting = server.restart();
    await server.waitFor('stopped');
    await server.kill();
    await expect(restarting).rejects.toMatchObject({ code: 'ERR_KILLED' });
    expect(labels(states)).toEqual(['running', 'stopping', 'stopped']);
    await expect(server.kill()).rejects.toMatchObject({ code: 'ERR_NOT_RUNNING' });
  });

  it('concurrent kill() calls share one kill', async () => {
    await using server = nodeServer('ignore-term.mjs', [], { readiness: { pattern: 'ready' } });
    await server.start();
    const states = recordStates(server);
    await Promise.all([server.kill(), server.kill(), server.kill()]);
    expect(labels(states)).toEqual(['running', 'stopping', 'stopped']);
  });
});
