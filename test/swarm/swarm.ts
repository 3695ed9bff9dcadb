import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, it } from 'vitest';

/** The image every swarm fixture uses; both nodes need it (scripts/setup-swarm.sh). */
export const TEST_IMAGE = 'gameward-test-busybox:latest';
/** The swarm fixtures' directory (bind-mounted into the tasks: both nodes share this machine's files). */
export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/swarm');
/** Node 2's dockerd: a worker, in the network namespace gwnode2. */
export const NODE2_HOST = 'unix:///var/run/docker2.sock';

const run = promisify(execFile);

function probe(): string | undefined {
  const out = (args: string[], env: NodeJS.ProcessEnv = process.env): string =>
    execFileSync('docker', args, { encoding: 'utf8', timeout: 15_000, env, stdio: 'pipe' }).trim();
  try {
    if (out(['info', '--format', '{{.Swarm.ControlAvailable}}']) !== 'true') {
      return 'the Docker engine is not a swarm manager';
    }
    const ready = out(['node', 'ls', '--format', '{{.Status}}']).split('\n');
    if (ready.filter((s) => s === 'Ready').length < 2)
      return 'the swarm has fewer than 2 Ready nodes';
    out(['image', 'inspect', TEST_IMAGE], { ...process.env, DOCKER_HOST: NODE2_HOST });
    out(['image', 'inspect', TEST_IMAGE]);
  } catch (error) {
    return `no two-node swarm (${(error as Error).message.split('\n')[0]})`;
  }
  return undefined;
}

/** Why the swarm tests cannot run here, or undefined when they can. */
export const swarmProblem = probe();

/**
 * `describe` for tests on the real two-node swarm. Without it they are skipped with a loud
 * notice; with GAMEWARD_REQUIRE_SWARM=1 (CI) they fail instead.
 */
export function describeWithSwarm(name: string, body: () => void): void {
  if (swarmProblem === undefined) {
    describe(name, { timeout: 120_000 }, body);
  } else if (process.env.GAMEWARD_REQUIRE_SWARM === '1') {
    describe(name, () => {
      it('needs the two-node swarm (GAMEWARD_REQUIRE_SWARM=1)', () => {
        throw new Error(`Swarm tests cannot run: ${swarmProblem}`);
      });
    });
  } else {
    console.warn(
      `\n!!! SKIPPING swarm tests "${name}": ${swarmProblem}.\n!!! Run scripts/setup-swarm.sh (as root), or set GAMEWARD_REQUIRE_SWARM=1 to fail instead.\n`,
    );
    describe.skip(name, body);
  }
}

/** Runs a docker command against the manager (or `host`) and returns its stdout, trimmed. */
export async function docker(
  args: string[],
  host?: string,
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<string> {
  const env = {
    ...process.env,
    ...options.env,
    ...(host === undefined ? {} : { DOCKER_HOST: host }),
  };
  const cwd = options.cwd ?? tmpdir();
  const { stdout } = await run('docker', args, { encoding: 'utf8', timeout: 60_000, env, cwd });
  return stdout.trim();
}

/** A unique stack name for one test (`gwsw<random>`), recorded for the clean-up. */
export function stackName(made: Set<string>): string {
  const name = `gwsw${randomBytes(4).toString('hex')}`;
  made.add(name);
  return name;
}

/** The stack's tasks that may still run (`docker stack ps` lists ended ones too). */
export async function liveTasks(stack: string): Promise<string[]> {
  const out = await docker([
    'service',
    'ps',
    '--no-trunc',
    '--format',
    '{{.ID}} {{.CurrentState}}',
    ...(
      await docker(['service', 'ls', '-q', '--filter', `label=com.docker.stack.namespace=${stack}`])
    )
      .split('\n')
      .filter((s) => s !== ''),
  ]).catch(() => '');
  return out
    .split('\n')
    .filter((l) => /^\S+ (Running|Starting|Preparing|Pending|Assigned)/.test(l));
}

/**
 * Removes the stacks and waits until none of their containers runs on either node: the global
 * teardown checks compose-labelled containers only, so the swarm tests check themselves.
 */
export async function removeStacks(stacks: Iterable<string>): Promise<string[]> {
  const names = [...stacks];
  for (const name of names) await docker(['stack', 'rm', name]).catch(() => undefined);
  const left = async (): Promise<string[]> => {
    const found: string[] = [];
    for (const host of [undefined, NODE2_HOST]) {
      const out = await docker(
        ['ps', '-a', '--format', '{{.Names}}', '--filter', 'label=com.docker.stack.namespace'],
        host,
      ).catch(() => '');
      found.push(...out.split('\n').filter((n) => names.some((s) => n.startsWith(`${s}_`))));
    }
    const services = await docker(['service', 'ls', '--format', '{{.Name}}']).catch(() => '');
    found.push(...services.split('\n').filter((n) => names.some((s) => n.startsWith(`${s}_`))));
    return found;
  };
  const deadline = Date.now() + 60_000;
  let found = await left();
  while (found.length > 0 && Date.now() < deadline) {
    // Ended task containers stay until swarm prunes them: remove them ourselves.
    for (const host of [undefined, NODE2_HOST]) {
      const ids = await docker(
        ['ps', '-aq', '--filter', 'status=exited', '--filter', 'label=com.docker.stack.namespace'],
        host,
      ).catch(() => '');
      for (const id of ids.split('\n').filter((i) => i !== '')) {
        const stack = await docker(
          ['inspect', '-f', '{{index .Config.Labels "com.docker.stack.namespace"}}', id],
          host,
        ).catch(() => '');
        if (names.includes(stack)) await docker(['rm', '-f', id], host).catch(() => undefined);
      }
    }
    await new Promise((r) => setTimeout(r, 500));
    found = await left();
  }
  return found;
}

/** A fresh directory the fixtures mount as /trigger; files in it steer server.sh. */
export function triggerDir(): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), 'gw-swarm-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** The env a fixture stack file needs. */
export function fixtureEnv(
  trigger: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return { GW_FIXTURES: FIXTURES, GW_TRIGGER_DIR: trigger, ...extra };
}

/** The node id of this machine's dockerd (node 1, the manager). */
export async function managerNodeId(): Promise<string> {
  return docker(['info', '--format', '{{.Swarm.NodeID}}']);
}
