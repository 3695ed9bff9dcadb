import { readdirSync, readlinkSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ProcessSupervisor } from '../../src/process/index.js';
import { MAX_PENDING_CONSOLE_BYTES } from '../../src/process/spawn.js';
import { fixture, isAlive, uniqueId } from './helpers.js';

/** How many pipes and sockets this process holds (Node's stdio pipes are socketpairs). */
function ownPipes(): number {
  let count = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (/^(pipe|socket):/.test(readlinkSync(`/proc/self/fd/${fd}`))) count += 1;
    } catch {
      // Closed meanwhile.
    }
  }
  return count;
}

describe('issue 11 defect 3: dispose closes our ends of the pipes at once', () => {
  it('a descendant that escaped (double fork + setsid + yes) keeps no pipe of the host open after close()', async () => {
    const server = new ProcessSupervisor({
      id: uniqueId(),
      executable: fixture('escape-yes.sh'),
      readiness: { pattern: /^ready$/ },
      stopTimeoutMs: 200,
    });
    let escaped = 0;
    // Caught as it passes: `yes` floods the replay ring at once.
    server.on('output', (line) => {
      const pid = /^escaped (\d+)$/.exec(line.text)?.[1];
      if (pid !== undefined) escaped = Number(pid);
    });
    // The host's one watchdog (a pipe of its own) exists from the first start on.
    const warm = new ProcessSupervisor({ id: uniqueId(), executable: '/bin/sleep', args: ['5'] });
    await warm.start();
    await warm.close();
    const before = ownPipes();
    try {
      await server.start();
      expect(isAlive(escaped)).toBe(true);
      expect(ownPipes()).toBeGreaterThanOrEqual(before + 3);
      await server.close();
      // The escaped writer left the tree, so the kill missed it; the host no longer reads it:
      // its pipes are closed (yes then dies of SIGPIPE) and it burns no more of the host's CPU.
      await new Promise((resolve) => setImmediate(resolve));
      expect(ownPipes()).toBeLessThanOrEqual(before);
      const cpu = process.cpuUsage();
      await new Promise((resolve) => setTimeout(resolve, 500));
      const used = process.cpuUsage(cpu);
      expect((used.user + used.system) / 1000).toBeLessThan(150);
    } finally {
      if (escaped > 0 && isAlive(escaped)) process.kill(escaped, 'SIGKILL');
      await server.close();
    }
  });
});

describe('issue 11 defect 9: console input is bounded', () => {
  it('unawaited sends to a server that never reads stdin stop at a byte limit with ERR_CONSOLE_FULL', async () => {
    await using server = new ProcessSupervisor({
      id: uniqueId(),
      executable: '/bin/sleep',
      args: ['1000'],
    });
    await server.start();
    const line = 'x'.repeat(1023);
    const sends = Array.from({ length: 4000 }, () =>
      server.send(line).then(
        () => 'ok',
        (error: { code?: string }) => error.code,
      ),
    );
    const outcomes = await Promise.race([
      Promise.all(sends.slice(-100)),
      new Promise<string[]>((resolve) => setTimeout(() => resolve(['pending']), 2000)),
    ]);
    // The newest sends were refused at once rather than queued without bound.
    expect(new Set(outcomes)).toEqual(new Set(['ERR_CONSOLE_FULL']));
    await server.kill();
    const all = await Promise.all(sends);
    const accepted = all.filter((o) => o !== 'ERR_CONSOLE_FULL').length;
    expect(accepted * 1024).toBeLessThanOrEqual(MAX_PENDING_CONSOLE_BYTES + 256 * 1024);
  });
});
