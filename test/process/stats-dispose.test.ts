import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ProcessSupervisor } from '../../src/process/index.js';
import { fixture, isAlive, nextLine, nodeServer, uniqueId } from './helpers.js';

/** Live processes whose environment holds `GW_PROBE_TAG=<tag>`. */
function processesTagged(tag: string): number[] {
  return readdirSync('/proc').flatMap((entry) => {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) return [];
    try {
      const environ = readFileSync(`/proc/${pid}/environ`, 'latin1');
      return environ.includes(`GW_PROBE_TAG=${tag}\0`) && isAlive(pid) ? [pid] : [];
    } catch {
      return [];
    }
  });
}

describe('stats', () => {
  it('samples the whole process tree', async () => {
    await using server = new ProcessSupervisor({
      id: uniqueId(),
      executable: fixture('wrapper.sh'),
      env: { NODE: process.execPath },
      readiness: { pattern: 'Server started' },
    });
    await expect(server.stats()).rejects.toMatchObject({ code: 'ERR_NOT_RUNNING' });
    await server.start();
    const stats = await server.stats();
    expect(stats.processCount).toBe(2);
    expect(stats.memoryBytes).toBeGreaterThan(1024 * 1024);
    expect(stats.cpuPercent).toBeGreaterThanOrEqual(0);
    expect(typeof stats.time).toBe('number');
    const samples = [];
    for await (const sample of server.statsStream({ intervalMs: 50 })) {
      samples.push(sample);
      if (samples.length === 2) break;
    }
    expect(samples.map((s) => s.processCount)).toEqual([2, 2]);
  });
});

describe('dispose', () => {
  it('stops the tree, ends iterators, rejects later calls, and is idempotent', async () => {
    const server = new ProcessSupervisor({
      id: uniqueId(),
      executable: fixture('wrapper.sh'),
      env: { NODE: process.execPath },
      readiness: { pattern: 'Server started' },
      stopCommand: 'quit',
    });
    await server.start();
    const wrapper = server.pid as number;
    await server.send('pid');
    const child = Number((await nextLine(server, /^pid \d+$/)).text.slice(4));
    const states: string[] = [];
    const statesDone = (async () => {
      for await (const state of server.states()) states.push(state.state);
    })();
    const outputDone = (async () => {
      for await (const _ of server.output()) {
        // Drain.
      }
    })();
    const first = server[Symbol.asyncDispose]();
    const second = server[Symbol.asyncDispose]();
    expect(second).toBe(first);
    await first;
    await statesDone;
    await outputDone;
    expect(states).toEqual(['running', 'stopping', 'stopped']);
    expect([wrapper, child].filter(isAlive)).toEqual([]);
    await expect(server.start()).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
    await expect(server.send('x')).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
    await expect(server.kill()).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
  });

  it('preempts a start waiting for readiness and leaves nothing alive', async () => {
    const server = nodeServer('fake-game-server.mjs', ['--no-ready'], {
      readiness: { pattern: 'Server started', timeoutMs: 120_000 },
    });
    const starting = server.start();
    await nextLine(server, /Loading world chunk 3/);
    const pid = server.pid as number;
    await server[Symbol.asyncDispose]();
    await expect(starting).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
    expect(isAlive(pid)).toBe(false);
  });

  it('cancels a scheduled restart: no server is spawned after dispose', async () => {
    // Every server of this test carries a tag in its environment, so a late respawn is visible.
    const tag = `restart-after-dispose-${uniqueId()}`;
    const server = nodeServer('fake-game-server.mjs', [], {
      autoRestart: { enabled: true, initialDelayMs: 200 },
      env: { GW_PROBE_TAG: tag },
    });
    await server.start();
    const scheduled = new Promise((resolve) => server.once('restartScheduled', resolve));
    await server.send('crash 1');
    await scheduled;
    await server[Symbol.asyncDispose]();
    // Twice the restart delay: a restart that was not cancelled would have spawned by now.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(processesTagged(tag)).toEqual([]);
  });

  it('a disposed idle instance just ends', async () => {
    const server = nodeServer('fake-game-server.mjs');
    await server[Symbol.asyncDispose]();
    expect(server.disposed).toBe(true);
    await expect(server.refresh()).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
  });
});

describe('resources', () => {
  it('nothing accumulates per start/stop/kill/crash/restart cycle (probed in a process of its own)', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [
      '--import',
      'tsx',
      fileURLToPath(new URL('./scripts/cycle-probe.mts', import.meta.url)),
      '16',
    ]);
    const { warm, end } = JSON.parse(stdout.trim().split('\n').at(-1) as string);
    expect(warm).toEqual({ fds: warm.fds, timers: 0, children: 0 });
    // Same fds after 16 more cycles as after the warm-up: pipes, /proc reads, all closed.
    expect(end).toEqual(warm);
  });
});
