import { readFileSync } from 'node:fs';
import ssh2 from 'ssh2';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { LinkStatus, SshLink } from '../../src/remote/ssh-link.js';
import type { SshLinks } from '../../src/remote/ssh-links.js';
import { KNOWN_HOSTS, quickLinks, SSH_HOST, SSH_PORT, sshConfig } from './endpoint.js';
import {
  blackHole,
  describeWithSshd,
  eventually,
  serverConnections,
  startSshd,
  stopSshd,
} from './sshd.js';

/** Resolves with the first status `link` reports that satisfies `match` (now or later). */
function statusWhere(link: SshLink, match: (status: LinkStatus) => boolean): Promise<LinkStatus> {
  if (match(link.status)) return Promise.resolve(link.status);
  return new Promise((resolve) => {
    const onStatus = (next: LinkStatus): void => {
      if (!match(next)) return;
      link.off('status', onStatus);
      resolve(next);
    };
    link.on('status', onStatus);
  });
}

const realHostLine = readFileSync(KNOWN_HOSTS, 'utf8').trim();
const otherKey = (): string => {
  const pair = ssh2.utils.generateKeyPairSync('ed25519');
  return pair.public.split(' ').slice(0, 2).join(' ');
};

describeWithSshd('SshLink faults on the real sshd', () => {
  let links: SshLinks;
  beforeEach(() => {
    links = quickLinks(3000);
  });
  afterEach(async () => {
    await links.close();
  });

  it('wrong credentials: ERR_INVALID_CONFIG, link down `auth`, not retried', async () => {
    const stranger = ssh2.utils.generateKeyPairSync('ed25519').private;
    const { link } = links.acquire(sshConfig({ privateKey: stranger }));
    await expect(link.waitUp()).rejects.toMatchObject({
      code: 'ERR_INVALID_CONFIG',
      message: expect.stringMatching(/log in to root@10\.201\.0\.2:2222/),
    });
    expect(link.status).toMatchObject({ state: 'down', reason: 'auth', retrying: false });
    await expect(link.exec(['true'])).rejects.toMatchObject({ code: 'ERR_INVALID_CONFIG' });
    expect(link.connectCount).toBe(0);
  });

  it.each([
    ['unknown', `[10.201.0.99]:${SSH_PORT} ${otherKey()}`, /unknown host/],
    ['changed', `[${SSH_HOST}]:${SSH_PORT} ${otherKey()}`, /CHANGED host key/],
    [
      'revoked',
      `@revoked * ${realHostLine.split(' ').slice(1).join(' ')}\n${realHostLine}`,
      /REVOKED/,
    ],
  ])(
    '%s host key: refused with ERR_INVALID_CONFIG naming the fingerprint, never trusted',
    async (_what, knownHosts, why) => {
      const { link } = links.acquire(sshConfig({ knownHosts }));
      const error = await link.waitUp().then(
        () => undefined,
        (thrown: unknown) => thrown as Error & { code: string },
      );
      expect(error?.code).toBe('ERR_INVALID_CONFIG');
      expect(error?.message).toMatch(why);
      expect(error?.message).toMatch(/host\.ssh\.knownHosts.*ssh-ed25519 SHA256:[A-Za-z0-9+/]{43}/);
      expect(link.status).toMatchObject({ state: 'down', reason: 'host-key', retrying: false });
    },
  );

  it('a closed port: down `unreachable`, retried with growing backoff, ERR_ENGINE_UNAVAILABLE', async () => {
    const { link } = links.acquire(sshConfig({ port: SSH_PORT + 1 }));
    const third = await statusWhere(link, (s) => s.state === 'down' && s.attempt >= 3);
    expect(third).toMatchObject({ state: 'down', reason: 'unreachable', retrying: true });
    expect(third.state === 'down' && third.error?.code).toBe('ERR_ENGINE_UNAVAILABLE');
    expect(third.state === 'down' && third.error?.message).toMatch(/ECONNREFUSED/);
    await expect(link.exec(['true'], { timeoutMs: 10_000 })).rejects.toMatchObject({
      code: 'ERR_ENGINE_UNAVAILABLE',
    });
  });

  it('an address where nothing answers: the connect times out, the call fails within linkWaitMs', async () => {
    const { link } = links.acquire(sshConfig({ host: '10.201.0.3' }));
    await expect(link.exec(['true'])).rejects.toMatchObject({ code: 'ERR_ENGINE_UNAVAILABLE' });
    expect(link.status).toMatchObject({ state: 'down', reason: 'unreachable', retrying: true });
  });

  it('the link cut mid-run (packets dropped): in-flight work fails, `lost` is reported, it reconnects', async () => {
    const { link } = links.acquire(sshConfig());
    await link.waitUp();
    const stream = await link.stream(['sleep', '30']);
    stream.stdout.resume();
    const running = link.exec(['sleep', '30']);
    const restore = await blackHole();
    try {
      const lost = await statusWhere(link, (s) => s.state === 'down');
      expect(lost).toMatchObject({ reason: 'lost', retrying: true });
      await expect(running).rejects.toMatchObject({ code: 'ERR_ENGINE_UNAVAILABLE' });
      expect(await stream.exit).toMatchObject({ kind: 'lost' });
    } finally {
      await restore();
    }
    await statusWhere(link, (s) => s.state === 'up');
    expect(link.connectCount).toBe(2);
    expect((await link.exec(['echo', 'back'])).stdout).toBe('back\n');
    await eventually(async () => (await serverConnections()).length === 1);
  });

  it('sshd stopped mid-run: `lost`, then `unreachable` while it is gone, up again once it is back', async () => {
    const { link } = links.acquire(sshConfig());
    await link.waitUp();
    const seen: LinkStatus[] = [];
    link.on('status', (next) => seen.push(next));
    await stopSshd();
    try {
      await statusWhere(link, (s) => s.state === 'down' && s.reason === 'unreachable');
    } finally {
      await startSshd();
    }
    await statusWhere(link, (s) => s.state === 'up');
    expect(seen.map((s) => (s.state === 'up' ? 'up' : s.reason))).toEqual(
      expect.arrayContaining(['lost', 'unreachable', 'up']),
    );
    expect(seen[0]).toMatchObject({ state: 'down', reason: 'lost' });
    expect((await link.exec(['echo', 'again'])).stdout).toBe('again\n');
  });
});
