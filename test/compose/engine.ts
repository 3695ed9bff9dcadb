import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, it } from 'vitest';

/** The image every compose fixture uses; scripts/setup-docker-engine.sh builds it. */
export const TEST_IMAGE = 'gameward-test-busybox:latest';
/** The compose fixtures' directory. */
export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/compose');

const run = promisify(execFile);

function probe(): string | undefined {
  const check = (args: string[]): void => {
    execFileSync('docker', args, { stdio: 'ignore', timeout: 15_000 });
  };
  try {
    check(['info']);
  } catch {
    return 'no reachable Docker engine (`docker info` failed)';
  }
  try {
    check(['compose', 'version']);
  } catch {
    return 'Docker Compose v2 is missing (`docker compose version` failed)';
  }
  try {
    check(['image', 'inspect', TEST_IMAGE]);
  } catch {
    return `the test image ${TEST_IMAGE} is missing (run scripts/setup-docker-engine.sh)`;
  }
  return undefined;
}

/** Why the compose tests cannot run here, or undefined when they can. */
export const engineProblem = probe();

/**
 * `describe` for tests that need a real engine. Without one they are skipped with a loud notice;
 * with GAMEWARD_REQUIRE_DOCKER=1 (CI) they fail instead. `concurrent`: the tests of the block
 * overlap (they mostly wait on the engine); only for tests that look at nothing process-wide.
 */
export function describeWithEngine(
  name: string,
  body: () => void,
  options: { concurrent?: boolean } = {},
): void {
  if (engineProblem === undefined) {
    // A test of several starts and stops, on a loaded 2-core machine, needs more than 30 s.
    describe(name, { timeout: 120_000, concurrent: options.concurrent === true }, body);
  } else if (process.env.GAMEWARD_REQUIRE_DOCKER === '1') {
    describe(name, () => {
      it('needs a Docker engine (GAMEWARD_REQUIRE_DOCKER=1)', () => {
        throw new Error(`Compose tests cannot run: ${engineProblem}`);
      });
    });
  } else {
    console.warn(
      `\n!!! SKIPPING compose tests "${name}": ${engineProblem}.\n!!! Run scripts/setup-docker-engine.sh, or set GAMEWARD_REQUIRE_DOCKER=1 to fail instead.\n`,
    );
    describe.skip(name, body);
  }
}

/**
 * An engine the compose tests run on: `env` is what points an instance and the docker CLI at it
 * (empty for Docker: DOCKER_HOST as the environment has it; podman's socket for podman).
 */
export interface TestEngine {
  readonly name: 'docker' | 'podman';
  /** The engine's own unix socket (what an EngineProxy forwards to). */
  readonly socket: string;
  readonly env: Readonly<Record<string, string>>;
}

/** Docker, as the environment names it. */
export const DOCKER_ENGINE: TestEngine = {
  name: 'docker',
  socket: '/var/run/docker.sock',
  env: {},
};

/** Runs a docker command (kill, wait, inspect...) and returns its stdout, trimmed. */
export function docker(...args: string[]): Promise<string> {
  return dockerOn(DOCKER_ENGINE, ...args);
}

/** Runs a docker command against `engine` (its DOCKER_HOST) and returns its stdout, trimmed. */
export async function dockerOn(engine: TestEngine, ...args: string[]): Promise<string> {
  const { stdout } = await run('docker', args, {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, ...engine.env },
  });
  return stdout.trim();
}

/** Runs `docker compose` outside any supervisor (to prepare a stack a supervisor adopts). */
export async function compose(
  projectName: string,
  file: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<void> {
  await run('docker', ['compose', '-p', projectName, '-f', file, ...args], {
    cwd: FIXTURES,
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
}

/** Removes a project's containers and networks, whatever state it is in (test cleanup). */
export async function downProject(
  projectName: string,
  env: Record<string, string> = {},
): Promise<void> {
  await run('docker', ['compose', '-p', projectName, 'down', '-t', '0', '--remove-orphans'], {
    timeout: 60_000,
    cwd: tmpdir(),
    env: { ...process.env, ...env },
  }).catch(() => undefined);
}

/** A fresh directory the fixtures mount as /trigger; files in it steer server.sh. */
export function triggerDir(): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), 'gw-trigger-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
