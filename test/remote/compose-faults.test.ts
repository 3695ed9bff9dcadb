// Remote compose stacks: the faults of issue 16 on the real sshd in gwnode2 (serial group: the
// link-cut test black-holes that sshd). The test reaches the remote side only over SSH.
import { once } from 'node:events';
import ssh2 from 'ssh2';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { ComposeSupervisor, type ComposeSupervisorConfig } from '../../src/compose/index.js';
import type { SupervisorOptions } from '../../src/core/settings.js';
import { isGamewardError } from '../../src/errors.js';
import { ProcessSupervisor } from '../../src/process/index.js';
import { setDefaultSshLinks } from '../../src/remote/default-links.js';
import type { LinkStatus } from '../../src/remote/ssh-link.js';
import type { SshLinks } from '../../src/remote/ssh-links.js';
import type { CrashDetails } from '../../src/supervisor.js';
import { fixture } from '../process/helpers.js';
import { testProjectName } from '../support/run-id.js';
import {
  cleanUpRemote,
  downRemoteProject,
  onRemote,
  REMOTE_STACK_DIR,
  remoteHost,
  uploadFixtures,
} from './compose-plane.js';
import { quickLinks } from './endpoint.js';
import { blackHole, describeWithSshd, serverConnections } from './sshd.js';

const ssh = remoteHost.ssh;
let counter = 0;
const code = (error: unknown): string | undefined =>
  isGamewardError(error) ? error.code : String(error);

describeWithSshd('remote compose stacks: faults on the real sshd', () => {
  let links: SshLinks;
  const open: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    links = quickLinks();
    setDefaultSshLinks(links);
    await uploadFixtures('contract.yaml', 'contract-server.sh');
  });
  afterEach(async () => {
    await Promise.allSettled(open.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    await links.close();
    await cleanUpRemote();
  });

  function make(
    overrides: Partial<ComposeSupervisorConfig> = {},
    options: SupervisorOptions = {},
  ): ComposeSupervisor {
    counter += 1;
    const id = `rfaults-${process.pid}-${counter}`;
    const supervisor = new ComposeSupervisor(
      {
        id,
        projectName: testProjectName(id),
        cwd: REMOTE_STACK_DIR,
        files: ['contract.yaml'],
        removeOnStop: true,
        stopTimeoutMs: 3000,
        readiness: { pattern: 'Server started', timeoutMs: 20_000 },
        autoRestart: { enabled: false },
        env: { GW_TRIGGER_DIR: `${REMOTE_STACK_DIR}/trigger-${id}` },
        host: remoteHost,
        ...overrides,
      },
      options,
    );
    open.push({
      close: () =>
        supervisor.close().finally(() => downRemoteProject(supervisor.config.projectName)),
    });
    return supervisor;
  }

  it('wrong credentials: start() rejects ERR_INVALID_CONFIG naming the key, nothing runs', async () => {
    const stranger = ssh2.utils.generateKeyPairSync('ed25519').private;
    const s = make({ host: { ssh: { ...ssh, privateKey: stranger } } });
    const error = await s.start().catch((e) => e);
    expect(code(error)).toBe('ERR_INVALID_CONFIG');
    expect(error.message).toMatch(/host\.ssh\.privateKey/);
    expect(error.instanceId).toBe(s.instanceId);
    expect(s.state.state).not.toBe('running');
  });

  it('an unreachable host: start() rejects ERR_ENGINE_UNAVAILABLE with the instance id', async () => {
    const s = make({ host: { ssh: { ...ssh, port: 1 } } });
    const error = await s.start().catch((e) => e);
    expect(code(error)).toBe('ERR_ENGINE_UNAVAILABLE');
    expect(error.instanceId).toBe(s.instanceId);
    expect(s.link).toMatchObject({ state: 'down', reason: 'unreachable' });
  });

  it('a cwd that is not on the remote host: ERR_INVALID_CONFIG naming cwd and the host', async () => {
    const s = make({ cwd: `${REMOTE_STACK_DIR}/not-there` });
    const error = await s.start().catch((e) => e);
    expect(code(error)).toBe('ERR_INVALID_CONFIG');
    expect(error.message).toMatch(/`cwd`.* on root@10\.201\.0\.2:2222.*not-there/);
  });

  it('no docker CLI on the remote host: ERR_COMPOSE_MISSING', async () => {
    const s = make({ docker: '/nonexistent/docker' });
    const error = await s.start().catch((e) => e);
    expect(code(error)).toBe('ERR_COMPOSE_MISSING');
    expect(error.message).toMatch(/nonexistent\/docker.* on root@10\.201\.0\.2:2222/);
  });

  it('a remote socket that is not there: ERR_ENGINE_UNAVAILABLE', async () => {
    const s = make({
      env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
      engineTimeoutMs: 2000,
    });
    const error = await s.start().catch((e) => e);
    expect(code(error)).toBe('ERR_ENGINE_UNAVAILABLE');
    expect(error.message).toMatch(/nonexistent\/docker\.sock/);
  });

  it('stacks and process instances on one host share ONE SSH connection', async () => {
    const before = (await serverConnections()).length;
    const stacks = [make(), make(), make()];
    const kept = new ProcessSupervisor({
      id: `rfaults-proc-${process.pid}`,
      executable: process.execPath,
      args: [fixture('fake-game-server.mjs'), '--boot-lines=1'],
      stopCommand: 'quit',
      stateDir: `${REMOTE_STACK_DIR}/state`,
      readiness: { pattern: 'Server started', timeoutMs: 10_000 },
      host: remoteHost,
    });
    open.push(kept);
    await Promise.all([...stacks.map((s) => s.start()), kept.start()]);
    expect(links.size).toBe(1);
    expect((await serverConnections()).length).toBe(before + 1);
  });

  it('the link cut mid-run: running is kept, `link` says down; after it, the exit code', async () => {
    const s = make();
    await s.start();
    const trigger = `${REMOTE_STACK_DIR}/trigger-${s.instanceId}`;
    const links: LinkStatus['state'][] = [];
    s.on('link', (status) => links.push(status.state));
    // The workload dies 2 s from now, on its own: during the cut.
    await onRemote([
      'sh',
      '-c',
      'setsid sh -c "sleep 2; touch \\"\\$0/exit-7\\"" "$1" </dev/null >/dev/null 2>&1 &',
      'sh',
      trigger,
    ]);
    const restore = await blackHole();
    try {
      const [down] = (await once(s, 'link')) as [LinkStatus];
      expect(down).toMatchObject({ state: 'down', reason: 'lost' });
      expect(s.state.state).toBe('running');
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect(s.state.state).toBe('running');
    } finally {
      await restore();
    }
    const crash = once(s, 'crash');
    await s.waitFor('crashed', { timeoutMs: 20_000 });
    expect(s.state).toMatchObject({ state: 'crashed', exitCode: 7 });
    expect(links.at(-1)).toBe('up');
    const [details] = (await crash) as [CrashDetails];
    expect(details.exitCode).toBe(7);
    // Printed during the cut: read back from the engine once the link was up.
    expect(details.lastLines.map((l) => l.text)).toContain('Exiting with 7');
    expect(s.recentOutput().filter((l) => l.text === 'Exiting with 7')).toHaveLength(1);
  });
});
