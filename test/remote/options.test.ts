import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ComposeSupervisor } from '../../src/compose/index.js';
import { ConfigValidator } from '../../src/config/validate.js';
import { ProcessSupervisor } from '../../src/process/index.js';
import {
  knownKeyAlgorithms,
  parseKnownHosts,
  verifyHostKey,
} from '../../src/remote/known-hosts.js';
import { hostField, normalizeRemoteHost } from '../../src/remote/options.js';
import { SshLinks } from '../../src/remote/ssh-links.js';

const v = new ConfigValidator('conan-2');
const normalize = (ssh: unknown) => normalizeRemoteHost({ ssh }, v);
const base = {
  host: 'game.example',
  privateKey: '/keys/id_ed25519',
  knownHosts: '/keys/known_hosts',
};

describe('the `host` option', () => {
  it('applies defaults and keys the link by user@host:port', () => {
    const config = normalize({ ...base, user: 'steam' });
    expect(config).toMatchObject({
      host: 'game.example',
      port: 22,
      user: 'steam',
      key: 'steam@game.example:22',
    });
    expect(config.privateKey).toEqual({ kind: 'file', path: '/keys/id_ed25519' });
    expect(normalize({ ...base, host: '::1', user: 'a', port: 2200 }).key).toBe('a@[::1]:2200');
    expect(hostField(undefined, v)).toBeUndefined();
  });

  it.each([
    [
      { ...base, port: 0 },
      /`host\.ssh\.port` to be an integer from 1 to 65535, got `0` \(number\)/,
    ],
    [{ ...base, host: 'a b' }, /`host\.ssh\.host` to be a host name or IP address, got `"a b"`/],
    [{ ...base, hots: 'x' }, /`host\.ssh\.hots` to be one of the known options/],
    [
      { host: 'h', knownHosts: '/k' },
      /`host\.ssh\.privateKey` to be a private key .* or `agent` to be set/,
    ],
    [
      { ...base, privateKey: 'relative/key' },
      /`host\.ssh\.privateKey` to be private key text .* or an absolute path, got `"<12 characters, not shown>"`/,
    ],
    [
      { ...base, agent: 'sock' },
      /`host\.ssh\.agent` to be an absolute socket path or true, got `"sock"`/,
    ],
    [{ ...base, user: 'a;b' }, /`host\.ssh\.user` to be a user name, got `"a;b"`/],
  ])('refuses %j with ERR_INVALID_CONFIG naming instance, field and value', (ssh, message) => {
    expect(() => normalize(ssh)).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_CONFIG',
        message: expect.stringMatching(message),
      }),
    );
    expect(() => normalize(ssh)).toThrow(/^Instance "conan-2": /);
  });

  it('refuses a host option that is not { ssh }', () => {
    expect(() => normalizeRemoteHost({ docker: {} }, v)).toThrow(
      /`host\.docker` to be one of the known options \(ssh\)/,
    );
  });

  it('tells known_hosts text from a path', () => {
    expect(normalize({ ...base, knownHosts: 'h ssh-ed25519 AAAA' }).knownHosts).toEqual({
      kind: 'text',
      text: 'h ssh-ed25519 AAAA',
    });
    expect(normalize({ ...base, knownHosts: '/etc/ssh/ssh_known_hosts' }).knownHosts).toEqual({
      kind: 'file',
      path: '/etc/ssh/ssh_known_hosts',
    });
  });

  it('refuses to share a link between different credentials for the same user@host:port', async () => {
    const links = new SshLinks({ connectTimeoutMs: 200, backoffInitialMs: 5000 });
    try {
      links.acquire(normalize({ ...base, host: '127.0.0.1', port: 1 }));
      expect(() =>
        links.acquire(normalize({ ...base, host: '127.0.0.1', port: 1, knownHosts: '/other' })),
      ).toThrow(
        expect.objectContaining({
          code: 'ERR_INVALID_CONFIG',
          message: expect.stringMatching(/same privateKey/),
        }),
      );
      expect(links.size).toBe(1);
    } finally {
      await links.close();
    }
  });

  it('refuses unknown SshLinks options with ERR_INVALID_ARGUMENT', () => {
    expect(() => new SshLinks({ keepalive: 1 } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
  });
});

describe('known_hosts', () => {
  const key = randomBytes(51);
  const other = randomBytes(51);
  const b64 = key.toString('base64');
  const hashed = (name: string): string => {
    const salt = randomBytes(20);
    return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
  };

  it.each([
    ['a plain name', `game.example ssh-ed25519 ${b64}`, 'game.example', 22, 'trusted'],
    [
      'a [host]:port name',
      `[game.example]:2222 ssh-ed25519 ${b64}`,
      'game.example',
      2222,
      'trusted',
    ],
    [
      'the port-22 name on another port',
      `game.example ssh-ed25519 ${b64}`,
      'game.example',
      2222,
      'unknown',
    ],
    ['a wildcard', `*.example,10.0.0.? ssh-ed25519 ${b64}`, '10.0.0.7', 22, 'trusted'],
    [
      'a negated wildcard',
      `*.example,!bad.example ssh-ed25519 ${b64}`,
      'bad.example',
      22,
      'unknown',
    ],
    [
      'a hashed name',
      `${hashed('[h.example]:2200')} ssh-ed25519 ${b64}`,
      'h.example',
      2200,
      'trusted',
    ],
    [
      'a comment and a marker-less other key',
      `# c\ngame.example ssh-ed25519 ${other.toString('base64')}`,
      'game.example',
      22,
      'changed',
    ],
    [
      'a revoked key',
      `@revoked * ssh-ed25519 ${b64}\ngame.example ssh-ed25519 ${b64}`,
      'game.example',
      22,
      'revoked',
    ],
  ])('%s', (_what, text, host, port, verdict) => {
    expect(verifyHostKey(parseKnownHosts(text), host, port, key).kind).toBe(verdict);
  });

  it('offers the host key algorithms known_hosts holds for the host', () => {
    const lines = parseKnownHosts(
      `h ssh-rsa ${b64}\nh ssh-ed25519 ${b64}\nother ecdsa-sha2-nistp256 ${b64}`,
    );
    expect(knownKeyAlgorithms(lines, 'h', 22)).toEqual([
      'rsa-sha2-512',
      'rsa-sha2-256',
      'ssh-rsa',
      'ssh-ed25519',
    ]);
    expect(knownKeyAlgorithms(lines, 'nobody', 22)).toBeUndefined();
  });
});

describe('paths of remote instances belong to the remote host', () => {
  const host = { ssh: base };

  it('a compose stack: cwd must be absolute there and is kept as given', () => {
    const stack = new ComposeSupervisor({ id: 'dune-1', cwd: '/srv/dune', host });
    expect(stack.config.cwd).toBe('/srv/dune');
    expect(stack.link).toBeUndefined();
    let error: unknown;
    try {
      new ComposeSupervisor({ id: 'dune-2', cwd: 'srv/dune', host });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'ERR_INVALID_CONFIG', instanceId: 'dune-2' });
    expect((error as Error).message).toMatch(
      /`cwd`.*absolute path on the remote host.*"srv\/dune"/,
    );
  });

  it('a compose stack: DOCKER_HOST may only name a socket on that host', () => {
    const make = (DOCKER_HOST: string) => () =>
      new ComposeSupervisor({ id: 'dune-3', cwd: '/srv/dune', env: { DOCKER_HOST }, host });
    expect(make('unix:///run/user/1000/docker.sock')).not.toThrow();
    expect(make('tcp://10.0.0.5:2375')).toThrow(
      /`env.DOCKER_HOST`.*unix:\/\/\/.*"tcp:\/\/10.0.0.5:2375"/,
    );
  });

  it('a process instance: executable, cwd and stateDir are not resolved against this machine', () => {
    const server = new ProcessSupervisor({
      id: 'rust-1',
      executable: 'bin/RustDedicated',
      cwd: 'rust',
      stateDir: 'state',
      host,
    });
    expect(server.config).toMatchObject({
      executable: 'bin/RustDedicated',
      cwd: 'rust',
      stateDir: 'state',
    });
    const local = new ProcessSupervisor({ id: 'rust-2', executable: 'bin/x', stateDir: 'state' });
    expect(local.config.stateDir).toBe(`${process.cwd()}/state`);
  });
});
