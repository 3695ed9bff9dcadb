// The compose plane on a remote host: the stack's engine and its compose CLI are reached only
// over SSH (the sshd of scripts/setup-sshd.sh in namespace gwnode2). The test itself also acts on
// the remote side only through SSH: it uploads the compose files, makes the workload die and
// cleans up with commands on its own link.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ComposeSupervisor } from '../../src/compose/index.js';
import { SshLinks } from '../../src/remote/ssh-links.js';
import type { Supervisor } from '../../src/supervisor.js';
import { contractStack } from '../compose/contract-plane.js';
import { FIXTURES } from '../compose/engine.js';
import type { PlaneUnderTest } from '../contract/planes.js';
import { SSH, sshConfig } from './endpoint.js';
import { sshdProblem } from './sshd.js';

/** Where the stack's files live on the remote host. */
export const REMOTE_STACK_DIR = `/tmp/gwc-rcompose-${process.pid}`;

/** The `host` option of every remote stack in the tests. */
export const remoteHost = { ssh: SSH };

let own: SshLinks | undefined;

/** Runs `argv` on the remote host over the test's own link (not the supervisors'). */
export async function onRemote(argv: string[], stdin?: string): Promise<string> {
  own ??= new SshLinks({ connectTimeoutMs: 5000 });
  const lease = own.acquire(sshConfig());
  try {
    const result = await lease.link.exec(argv, { stdin, timeoutMs: 60_000 });
    if (result.exitCode !== 0) {
      throw new Error(
        `${argv.join(' ')} on the remote host: exit ${result.exitCode} ${result.stderr}`,
      );
    }
    return result.stdout;
  } finally {
    await lease.release();
  }
}

/** Copies the compose fixtures `names` into {@link REMOTE_STACK_DIR} on the remote host, over SSH. */
export async function uploadFixtures(...names: string[]): Promise<void> {
  for (const name of names) {
    const text = readFileSync(join(FIXTURES, name), 'utf8');
    const target = `${REMOTE_STACK_DIR}/${name}`;
    await onRemote(
      ['sh', '-c', 'mkdir -p "$1" && cat >"$2"', 'sh', REMOTE_STACK_DIR, target],
      text,
    );
  }
}

/** Takes a project down on the remote host (what a crashed instance leaves behind). */
export async function downRemoteProject(project: string): Promise<void> {
  await onRemote(['docker', 'compose', '-p', project, 'down', '-t', '0', '--remove-orphans']).catch(
    () => undefined,
  );
}

/** Removes the remote stack directory and closes the test's own link. */
export async function cleanUpRemote(): Promise<void> {
  await onRemote(['rm', '-rf', REMOTE_STACK_DIR]).catch(() => undefined);
  await own?.close();
  own = undefined;
}

const triggers = new WeakMap<Supervisor, string>();

/**
 * The compose plane on the remote host under the contract suite: the one-service stack of
 * test/fixtures/compose/contract.yaml, uploaded by {@link uploadFixtures} first.
 */
export const remoteComposePlane: PlaneUnderTest = {
  name: 'compose-remote',
  unavailable: async () =>
    process.env.GAMEWARD_REQUIRE_SSH === '1' || sshdProblem === undefined
      ? undefined
      : `${sshdProblem} (run scripts/setup-sshd.sh)`,
  make(options) {
    const trigger = `${REMOTE_STACK_DIR}/trigger-${options.id}`;
    const supervisor = new ComposeSupervisor({
      ...contractStack(options, REMOTE_STACK_DIR, { GW_TRIGGER_DIR: trigger }),
      host: remoteHost,
    });
    triggers.set(supervisor, trigger);
    const close = supervisor.close.bind(supervisor);
    supervisor.close = () =>
      close().finally(async () => {
        await downRemoteProject(supervisor.config.projectName);
        await onRemote(['rm', '-rf', trigger]).catch(() => undefined);
      });
    return supervisor;
  },
  async crash(supervisor, code) {
    const dir = triggers.get(supervisor);
    if (dir === undefined) throw new Error('not a supervisor of this plane');
    await onRemote(['sh', '-c', 'mkdir -p "$1" && touch "$1/exit-$2"', 'sh', dir, String(code)]);
  },
  reportedCode: (code) => code,
  bootLine: /Loading world chunk 1/,
};
