// Logs, stats, list and restart policies through podman 4.3's Docker-compatible API: what the
// compose plane reads and where it differs from Docker (docs/podman.md).
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type Docker from 'dockerode';
import { expect, it } from 'vitest';
import {
  apiSeconds,
  collectEvents,
  createContainer,
  describeWithPodman,
  PROJECT_LABEL,
  podman,
  testName,
} from './podman.js';

/** Runs `cmd` in the container and resolves when it ended. */
async function exec(container: Docker.Container, cmd: string[]): Promise<void> {
  const run = await container.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await run.start({});
  stream.resume();
  await new Promise((resolve) => stream.on('end', resolve));
}

/** Reads the engine's multiplexed log frames until `text` arrived on stream `fd`. */
async function readFrames(
  stream: IncomingMessage,
  until: (frames: [number, string][]) => boolean,
): Promise<[number, string][]> {
  const frames: [number, string][] = [];
  let pending = Buffer.alloc(0);
  return new Promise((resolve, reject) => {
    stream.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 8) {
        const length = pending.readUInt32BE(4);
        if (pending.length < 8 + length) break;
        frames.push([pending[0] ?? -1, pending.subarray(8, 8 + length).toString('utf8')]);
        pending = pending.subarray(8 + length);
      }
      if (until(frames)) {
        stream.destroy();
        resolve(frames);
      }
    });
    stream.on('error', reject);
  });
}

describeWithPodman('podman containers API', () => {
  it('sends no response to a followed log until the first byte (Docker: headers at once)', async () => {
    const container = await createContainer(
      'logs-quiet',
      'while [ ! -f /tmp/go ]; do sleep 0.1; done; echo late; echo late-err >&2; sleep 60',
    );
    await container.start();
    const request = container.logs({
      follow: true,
      stdout: true,
      stderr: true,
    }) as Promise<unknown>;
    const answered = await Promise.race([
      request.then(() => 'answered'),
      new Promise((resolve) => setTimeout(resolve, 1500, 'pending')),
    ]);
    expect(answered).toBe('pending');
    await exec(container, ['touch', '/tmp/go']);
    const stream = (await request) as IncomingMessage;
    // Without a TTY the frames are multiplexed like Docker's: 1 = stdout, 2 = stderr.
    const frames = await readFrames(stream, (f) => f.length >= 2);
    expect(frames.sort()).toEqual([
      [1, 'late\n'],
      [2, 'late-err\n'],
    ]);
    await container.remove({ force: true });
  });

  it('timestamps log lines to the whole second (Docker: nanoseconds)', async () => {
    const container = await createContainer('logs-stamps', 'echo one; echo two');
    await container.start();
    await container.wait();
    const buffer = (await container.logs({
      follow: false,
      stdout: true,
      stderr: true,
      timestamps: true,
    })) as Buffer;
    const lines = buffer.toString('latin1').match(/\d{4}-[^ ]* (one|two)/g) ?? [];
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (one|two)$/);
    await container.remove({ force: true });
  });

  it('answers stats at once with an empty precpu and only usage and limit for memory', async () => {
    const container = await createContainer('stats', 'sleep 60');
    await container.start();
    const stats = await container.stats({ stream: false });
    // Docker waits about a second and fills precpu_stats: one podman sample gives no CPU rate.
    expect(stats.precpu_stats.cpu_usage.total_usage).toBe(0);
    expect(stats.precpu_stats.system_cpu_usage).toBeUndefined();
    expect(stats.preread).toBe('0001-01-01T00:00:00Z');
    expect(stats.cpu_stats.cpu_usage.total_usage).toBeGreaterThan(0);
    expect(Object.keys(stats.memory_stats).sort()).toEqual(['limit', 'usage']);
    await container.remove({ force: true });
  });

  it.runIf(existsSync('/sys/fs/cgroup/cpuacct/cpuacct.usage'))(
    'reports as system_cpu_usage the host busy time (root cgroup), not all CPUs incl. idle',
    async () => {
      const container = await createContainer('stats-system', 'sleep 60');
      await container.start();
      const busy = (): number =>
        Number(readFileSync('/sys/fs/cgroup/cpuacct/cpuacct.usage', 'utf8'));
      const before = busy();
      const stats = await container.stats({ stream: false });
      const after = busy();
      expect(stats.cpu_stats.system_cpu_usage).toBeGreaterThanOrEqual(before);
      expect(stats.cpu_stats.system_cpu_usage).toBeLessThanOrEqual(after);
      await container.remove({ force: true });
    },
  );

  it('lists by a key-only label filter (unlike its events)', async () => {
    const name = testName('list');
    const container = await createContainer('list', 'sleep 60');
    const byKey = await podman.listContainers({ all: true, filters: { label: [PROJECT_LABEL] } });
    expect(byKey.map((c) => c.Names[0])).toContain(`/${name}`);
    const entry = byKey.find((c) => c.Names[0] === `/${name}`);
    // The image as podman stored it, not as asked for.
    expect(entry?.Image).toBe('localhost/gameward-test-busybox:latest');
    await container.remove({ force: true });
  });

  it('restarts on-failure at once, with an extra `restart` event', async () => {
    const name = testName('restart');
    const container = await createContainer(
      'restart',
      'if [ ! -f /tmp/once ]; then touch /tmp/once; exit 5; fi; sleep 60',
      { HostConfig: { RestartPolicy: { Name: 'on-failure' } } },
    );
    const from = Date.now() - 1000;
    await container.start();
    const events = await collectEvents(
      { filters: { label: [`${PROJECT_LABEL}=${name}`] }, since: apiSeconds(from) },
      (seen) => seen.filter((e) => e.Action === 'start').length === 2,
    );
    const actions = events.map((e) => e.Action);
    expect(actions.slice(actions.indexOf('die'))).toEqual(['die', 'restart', 'init', 'start']);
    expect(events.find((e) => e.Action === 'die')?.Actor.Attributes.exitCode).toBe('5');
    const info = await container.inspect();
    expect([info.State.Status, info.RestartCount]).toEqual(['running', 1]);
    await container.remove({ force: true });
  });
});
