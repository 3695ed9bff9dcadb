import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { afterAll, expect, it } from 'vitest';
import { RemoteDockerAgent } from '../../src/remote/docker-agent.js';
import { SshLinks } from '../../src/remote/ssh-links.js';
import { sshConfig } from './endpoint.js';
import { blackHole, describeWithSshd } from './sshd.js';

// The second engine the swarm setup runs for node gwnode2 (scripts/setup-swarm.sh).
const SOCKET = '/var/run/docker2.sock';

function get(agent: RemoteDockerAgent, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ agent, host: 'docker', path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describeWithSshd('RemoteDockerAgent: the Engine API over the shared SSH link', () => {
  const links = new SshLinks();
  afterAll(async () => {
    await links.close();
  });

  it('pings the remote engine and lists its containers, all on one connection', async (t) => {
    // Checked on the machine only to skip: the request itself goes through SSH.
    if (!existsSync(SOCKET)) return t.skip();
    const { link } = links.acquire(sshConfig());
    const agent = new RemoteDockerAgent(link, SOCKET);
    try {
      const ping = await get(agent, '/_ping');
      expect(ping).toEqual({ status: 200, body: 'OK' });
      const list = await get(agent, '/containers/json?all=1');
      expect(list.status).toBe(200);
      expect(Array.isArray(JSON.parse(list.body))).toBe(true);
      expect(link.connectCount).toBe(1);
    } finally {
      agent.destroy();
    }
  });

  it('a missing remote socket fails the request with a coded error', async () => {
    const { link } = links.acquire(sshConfig());
    const agent = new RemoteDockerAgent(link, '/nonexistent/docker.sock');
    try {
      const error = await get(agent, '/_ping').catch((e) => e);
      expect(error).toMatchObject({ code: 'ERR_ENGINE_UNAVAILABLE' });
    } finally {
      agent.destroy();
    }
  });

  it('after the link was lost, a request gets a new channel, never the dead kept-alive one', async () => {
    const own = new SshLinks({ keepaliveIntervalMs: 300, keepaliveCountMax: 2, backoffMaxMs: 400 });
    const { link } = own.acquire(sshConfig());
    const agent = new RemoteDockerAgent(link, '/var/run/docker.sock');
    try {
      // Kept alive: the agent holds this channel as free for the next request.
      expect(await get(agent, '/_ping')).toEqual({ status: 200, body: 'OK' });
      const restore = await blackHole();
      try {
        await new Promise<void>((resolve) =>
          link.on('status', (next) => next.state === 'down' && resolve()),
        );
      } finally {
        await restore();
      }
      // Without the fix this request waited forever on the closed channel (its abort too).
      const again = await get(agent, '/_ping');
      expect(again).toEqual({ status: 200, body: 'OK' });
    } finally {
      agent.destroy();
      await own.close();
    }
  });
});
