import ssh2 from 'ssh2';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { isGamewardError } from '../../src/errors.js';
import { ProcessSupervisor } from '../../src/process/index.js';
import type { ProcessSupervisorConfig } from '../../src/process/options.js';
import { setDefaultSshLinks } from '../../src/remote/default-links.js';
import type { RemoteProcessPlane } from '../../src/remote/process/remote-process-plane.js';
import type { LinkStatus } from '../../src/remote/ssh-link.js';
import { SshLinks } from '../../src/remote/ssh-links.js';
import { fixture } from '../process/helpers.js';
import { quickLinks, SSH, SSH_HOST, SSH_PORT, sshConfig } from './endpoint.js';
import { blackHole, describeWithSshd } from './sshd.js';

const STATE_DIR = `/tmp/gwr-faults-${process.pid}`;
const ssh = SSH;
const marker = process.env.GAMEWARD_TEST_RUN;
const env = marker === undefined ? {} : { GAMEWARD_TEST_RUN: marker };
let counter = 0;

const code = (error: unknown): string | undefined =>
  isGamewardError(error) ? error.code : String(error);

describeWithSshd('remote process instances: faults on the real sshd', () => {
  let links: SshLinks;
  /** A second link, as a test's own way onto the remote host (never the filesystem). */
  let probe: SshLinks;
  const open: ProcessSupervisor[] = [];

  beforeAll(() => {
    probe = new SshLinks({ connectTimeoutMs: 2000 });
  });
  afterAll(async () => {
    const link = probe.acquire(sshConfig()).link;
    await link.exec(['rm', '-rf', STATE_DIR]).catch(() => undefined);
    await probe.close();
  });

  function make(overrides: Partial<ProcessSupervisorConfig> = {}): ProcessSupervisor {
    links ??= quickLinks();
    setDefaultSshLinks(links);
    counter += 1;
    const supervisor = new ProcessSupervisor({
      id: `faults-${process.pid}-${counter}`,
      executable: process.execPath,
      args: [fixture('fake-game-server.mjs'), '--boot-lines=1'],
      stopCommand: 'quit',
      stopTimeoutMs: 3000,
      readiness: { pattern: 'Server started', timeoutMs: 10_000 },
      stateDir: STATE_DIR,
      env,
      host: { ssh },
      ...overrides,
    });
    open.push(supervisor);
    return supervisor;
  }

  afterEach(async () => {
    await Promise.allSettled(open.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    await links?.close();
  });

  /** Runs a command on the remote host through the test's own link. */
  async function remote(...argv: string[]): Promise<string> {
    const { link } = probe.acquire(sshConfig());
    const result = await link.exec(argv, { timeoutMs: 10_000 });
    return result.stdout;
  }

  it('wrong credentials: start() rejects ERR_INVALID_CONFIG naming the key, nothing runs', async () => {
    const stranger = ssh2.utils.generateKeyPairSync('ed25519').private;
    const s = make({ host: { ssh: { ...ssh, privateKey: stranger } } });
    const error = await s.start().catch((e) => e);
    expect(code(error)).toBe('ERR_INVALID_CONFIG');
    expect(error.message).toMatch(/host\.ssh\.privateKey/);
    expect(error.message).not.toContain(stranger.slice(40, 80));
    expect(s.state.state).toBe('stopped');
  });

  it('an unknown host key: start() rejects ERR_INVALID_CONFIG naming knownHosts', async () => {
    const other = ssh2.utils.generateKeyPairSync('ed25519').public.split(' ').slice(0, 2).join(' ');
    const s = make({
      host: { ssh: { ...ssh, knownHosts: `[${SSH_HOST}]:${SSH_PORT} ${other}\n` } },
    });
    const error = await s.start().catch((e) => e);
    expect(code(error)).toBe('ERR_INVALID_CONFIG');
    expect(error.message).toMatch(/host\.ssh\.knownHosts.*SHA256:/);
  });

  it('an unreachable host: start() rejects ERR_ENGINE_UNAVAILABLE', async () => {
    const s = make({ host: { ssh: { ...ssh, port: 1 } } });
    const error = await s.start().catch((e) => e);
    expect(code(error)).toBe('ERR_ENGINE_UNAVAILABLE');
    expect(error.instanceId).toBe(s.instanceId);
  });

  it('the link cut mid-run: the state is kept, then the exit code and the lines come after', async () => {
    // The server prints, lives 2.5 s more (the cut), prints two lines and exits 7.
    const s = make({
      executable: '/bin/sh',
      args: ['-c', 'echo before; sleep 2.5; echo during-1; echo during-2; exit 7'],
      readiness: { pattern: 'before', timeoutMs: 10_000 },
    });
    await s.start();
    const plane = (s as unknown as { plane: RemoteProcessPlane }).plane;
    const restore = await blackHole();
    try {
      await new Promise<void>((resolve) => {
        const check = (): void => {
          const status = plane.link as LinkStatus;
          if (status.state === 'down') resolve();
          else setTimeout(check, 50);
        };
        check();
      });
      expect(plane.link).toMatchObject({ state: 'down', reason: 'lost' });
      expect(s.state.state).toBe('running');
      // Longer than the server has left: it exits while the link is down.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect(s.state.state).toBe('running');
    } finally {
      await restore();
    }
    await s.waitFor('crashed', { timeoutMs: 20_000 });
    expect(s.state).toMatchObject({ state: 'crashed', exitCode: 7 });
    const texts = s.recentOutput().map((line) => line.text);
    expect(texts).toEqual(['before', 'during-1', 'during-2']);
  });

  it('the remote keeper killed: crashed without a code, never running, the server taken down', async () => {
    const s = make();
    await s.start();
    const pid = s.pid as number;
    const dir = (s as unknown as { plane: RemoteProcessPlane }).plane.folder;
    await remote('sh', '-c', 'kill -9 "$(sed -n "s/^keeper_pid=//p" "$1/meta")"', 'sh', dir);
    await s.waitFor('crashed', { timeoutMs: 10_000 });
    expect(s.state).toEqual({ state: 'crashed' });
    // A zombie waiting for its reaper is gone too: only a live process counts.
    const state = await remote(
      'sh',
      '-c',
      'sed "s/.*) \\(.\\).*/\\1/" "/proc/$1/stat" 2>/dev/null || echo gone',
      'sh',
      String(pid),
    );
    expect(['gone', 'Z', 'X']).toContain(state.trim());
    expect((await s.refresh()).state).not.toBe('running');
  });

  it('a new host adopts a running remote server and replays the lines printed meanwhile', async () => {
    const first = make({ stopOnDispose: false });
    await first.start();
    const id = first.instanceId;
    const attached = new Promise<void>((resolve) =>
      first.on('output', (line) => line.text.includes('while-attached') && resolve()),
    );
    await first.send('say while-attached');
    await attached;
    await first.close();
    // No host now: a line printed through the console FIFO over SSH.
    const dir = `${STATE_DIR}/${id}`;
    await remote('sh', '-c', 'printf "say while-away\\n" >"$1/console"', 'sh', dir);
    const second = make({ id, stopOnDispose: true } as Partial<ProcessSupervisorConfig>);
    const seen = new Promise<void>((resolve) =>
      second.on('output', (line) => line.text.includes('while-away') && resolve()),
    );
    expect((await second.refresh()).state).toBe('running');
    await seen;
    expect(second.recentOutput().filter((l) => l.text.includes('while-attached'))).toHaveLength(0);
    expect(code(await second.start().catch((e) => e))).toBe('ERR_ALREADY_RUNNING');
    await second.stop();
    expect(second.state.state).toBe('stopped');
  });
});
