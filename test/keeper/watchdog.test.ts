import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { HostWatchdog } from '../../src/keeper/index.js';
import { isAlive, waitDead } from './helpers.js';

const HOST = new URL('../fixtures/keeper/watchdog-host.ts', import.meta.url).pathname;

interface HostPids {
  tree: number[];
  spare: number;
  watchdog: number;
}

async function startWatchdogHost(...args: string[]) {
  const host = spawn(process.execPath, ['--import', 'tsx', HOST, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const first = await new Promise<string>((resolve) =>
    createInterface({ input: host.stdout! }).once('line', resolve),
  );
  return { host, pids: JSON.parse(first) as HostPids };
}

describe('HostWatchdog', () => {
  it("takes a SIGKILLed host's whole tree down, setsid descendants included, and nothing else", async () => {
    const { host, pids } = await startWatchdogHost('300');
    const { tree, spare, watchdog } = pids;
    expect(tree).toHaveLength(3);
    expect([...tree, spare, watchdog].every(isAlive)).toBe(true);
    const hostGone = new Promise((resolve) => host.once('exit', resolve));
    const killedAt = Date.now();
    host.kill('SIGKILL');
    await hostGone;
    // The tree ignores SIGTERM: only the SIGKILL after stopTimeoutMs brings it down.
    await waitDead(tree);
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(250);
    await waitDead([watchdog]);
    try {
      expect(isAlive(spare)).toBe(true);
    } finally {
      process.kill(spare, 'SIGKILL');
      await waitDead([spare]);
    }
  });

  it('sends the stop signal first: a server that honours it goes long before the SIGKILL', async () => {
    const { host, pids } = await startWatchdogHost('10000', 'polite');
    host.kill('SIGKILL');
    const killedAt = Date.now();
    await waitDead([...pids.tree, pids.watchdog], 5000);
    expect(Date.now() - killedAt).toBeLessThan(5000);
    process.kill(pids.spare, 'SIGKILL');
    await waitDead([pids.spare]);
  });

  it('validates registrations and closes cleanly', async () => {
    const dog = new HostWatchdog();
    expect(() => dog.register({ token: 'x', pgid: 10, stopTimeoutMs: 1 })).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_ARGUMENT',
        message: expect.stringContaining('token'),
      }),
    );
    expect(() =>
      dog.register({ token: HostWatchdog.newToken(), pgid: 1, stopTimeoutMs: 1 }),
    ).toThrow(/pgid/);
    expect(() =>
      dog.register({ token: HostWatchdog.newToken(), pgid: 99, stopTimeoutMs: -1 }),
    ).toThrow(/stopTimeoutMs/);
    expect(dog.pid).toBeUndefined();
    const unregister = dog.register({
      token: HostWatchdog.newToken(),
      pgid: 99_999_999,
      stopTimeoutMs: 0,
    });
    const pid = dog.pid as number;
    expect(isAlive(pid)).toBe(true);
    unregister();
    await dog.close();
    await waitDead([pid]);
  });
});
