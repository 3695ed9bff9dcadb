import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { LinkStatus } from '../../src/remote/ssh-link.js';
import { SshLinks } from '../../src/remote/ssh-links.js';
import { sshConfig } from './endpoint.js';
import { describeWithSshd, eventually, serverConnections } from './sshd.js';

/** A sleep duration no other process uses, so that pgrep finds only ours. */
function uniqueSleep(): string {
  return `30.${process.pid}${Math.floor(Math.random() * 1e6)}`;
}

describeWithSshd('SshLink on the real sshd', () => {
  let links: SshLinks;
  beforeEach(() => {
    links = new SshLinks();
  });
  afterEach(async () => {
    await links.close();
    await eventually(async () => (await serverConnections()).length === 0);
  });

  it('runs a command: argv, stdin, stdout, stderr and exit code round trip', async () => {
    const { link } = links.acquire(sshConfig());
    const result = await link.exec(
      ['sh', '-c', 'cat; printf "%s|" "$@" >&2; exit 7', 'sh', 'a b', "c'd"],
      {
        stdin: 'from stdin\n',
      },
    );
    expect(result).toEqual({
      exitCode: 7,
      signal: undefined,
      stdout: 'from stdin\n',
      stderr: "a b|c'd|",
    });
    expect(link.status.state).toBe('up');
  });

  it('reports a command killed by a signal with that signal', async () => {
    const { link } = links.acquire(sshConfig());
    const result = await link.exec(['sh', '-c', 'kill -s TERM $$']);
    expect(result.signal).toBe('SIGTERM');
    expect(result.exitCode).toBeUndefined();
  });

  it('shares ONE connection among every lease, command and stream of a host', async () => {
    const leases = Array.from({ length: 5 }, () => links.acquire(sshConfig()));
    const link = leases[0]!.link;
    expect(leases.every((lease) => lease.link === link)).toBe(true);
    expect(links.size).toBe(1);
    const streams = await Promise.all([1, 2, 3].map(() => link.stream(['cat'])));
    // As with child_process, a channel closes once its output was read.
    for (const stream of streams) stream.stdout.resume();
    // 30 commands at once: more than sshd's MaxSessions (10), so some wait for a channel.
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => leases[i % 5]!.link.exec(['echo', String(i)])),
    );
    expect(results.map((r) => r.stdout)).toEqual(Array.from({ length: 30 }, (_, i) => `${i}\n`));
    expect(await serverConnections()).toHaveLength(1);
    expect(link.connectCount).toBe(1);
    for (const stream of streams) stream.stdin.end();
    expect((await Promise.all(streams.map((s) => s.exit))).map((e) => e.kind)).toEqual([
      'exited',
      'exited',
      'exited',
    ]);
    // The link closes with its last lease, not before.
    for (const lease of leases.slice(1)) await lease.release();
    expect(link.status.state).toBe('up');
    await leases[0]!.release();
    expect(link.status).toMatchObject({ state: 'down', reason: 'closed', retrying: false });
    expect(links.size).toBe(0);
  });

  it('streams: stdin in, stdout and stderr out, kill() ends the remote command', async () => {
    const { link } = links.acquire(sshConfig());
    const stream = await link.stream(['sh', '-c', 'echo started >&2; exec cat']);
    const [err] = await once(stream.stderr, 'data');
    expect(String(err)).toBe('started\n');
    stream.stdin.write('ping\n');
    const [out] = await once(stream.stdout, 'data');
    expect(String(out)).toBe('ping\n');
    const pid = await stream.pid;
    expect(pid).toBeGreaterThan(1);
    await stream.kill('SIGKILL');
    expect(await stream.exit).toEqual({ kind: 'exited', exitCode: undefined, signal: 'SIGKILL' });
    const alive = await link.exec(['kill', '-0', String(pid)]);
    expect(alive.exitCode).not.toBe(0);
  });

  it('a timeout rejects ERR_TIMEOUT and leaves no remote process behind', async () => {
    const { link } = links.acquire(sshConfig());
    const marker = uniqueSleep();
    const started = link.exec(['sleep', marker], { timeoutMs: 500 });
    await expect(started).rejects.toMatchObject({ code: 'ERR_TIMEOUT' });
    await eventually(
      async () => (await link.exec(['pgrep', '-fx', `sleep ${marker}`])).exitCode === 1,
    );
  });

  it('an AbortSignal rejects with ERR_ABORTED and kills the remote command', async () => {
    const { link } = links.acquire(sshConfig());
    const marker = uniqueSleep();
    const controller = new AbortController();
    const stream = await link.stream(['sleep', marker], { signal: controller.signal });
    await stream.pid;
    controller.abort();
    // Killed (SIGKILL) before the channel closed, or closed first: never `lost`.
    expect(['exited', 'closed']).toContain((await stream.exit).kind);
    await eventually(
      async () => (await link.exec(['pgrep', '-fx', `sleep ${marker}`])).exitCode === 1,
    );
    const aborted = new AbortController();
    aborted.abort();
    await expect(link.exec(['true'], { signal: aborted.signal })).rejects.toMatchObject({
      code: 'ERR_ABORTED',
    });
  });

  it('forwards a remote Unix socket over the same connection (how a keeper or dockerd is reached)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-remote-sock-'));
    const path = join(dir, 'echo.sock');
    // The filesystem is shared with the namespace: sshd on the "remote" side connects to it.
    const server = createServer((socket) => socket.pipe(socket));
    server.listen(path);
    await once(server, 'listening');
    try {
      const { link } = links.acquire(sshConfig());
      const socket = await link.openUnixSocket(path);
      socket.write('through the tunnel');
      const [echoed] = await once(socket, 'data');
      expect(String(echoed)).toBe('through the tunnel');
      socket.end();
      await expect(link.openUnixSocket(join(dir, 'missing.sock'))).rejects.toMatchObject({
        code: 'ERR_ENGINE_UNAVAILABLE',
      });
      expect(await serverConnections()).toHaveLength(1);
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.runIf(existsSync('/var/run/docker.sock'))(
    'reaches a Docker engine API through the forwarded socket',
    async () => {
      const { link } = links.acquire(sshConfig());
      const socket = await link.openUnixSocket('/var/run/docker.sock');
      socket.end('GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n');
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      await once(socket, 'close');
      expect(Buffer.concat(chunks).toString()).toMatch(/^HTTP\/1\.[01] 200 OK[\s\S]*\r\n\r\nOK$/);
    },
  );

  it('close() ends every channel and the connection; later calls get ERR_DISPOSED', async () => {
    const { link } = links.acquire(sshConfig());
    const seen: LinkStatus[] = [];
    link.on('status', (next) => seen.push(next));
    const stream = await link.stream(['sleep', '30']);
    const pid = await stream.pid;
    await links.close();
    expect((await stream.exit).kind).not.toBe('lost');
    expect(seen.at(-1)).toMatchObject({ state: 'down', reason: 'closed', retrying: false });
    await expect(link.exec(['true'])).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
    expect(() => links.acquire(sshConfig())).toThrow(
      expect.objectContaining({ code: 'ERR_DISPOSED' }),
    );
    await eventually(async () => (await serverConnections()).length === 0);
    // The remote sleep went with it: checked over a fresh link.
    const fresh = new SshLinks();
    try {
      const check = await fresh.acquire(sshConfig()).link.exec(['kill', '-0', String(pid)]);
      expect(check.exitCode).not.toBe(0);
    } finally {
      await fresh.close();
    }
  });
});
