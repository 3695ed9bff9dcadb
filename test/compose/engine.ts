import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';

/** The image every compose fixture uses; scripts/setup-docker-engine.sh builds it. */
export const TEST_IMAGE = 'gameward-test-busybox:latest';
/** The compose fixtures' directory. */
export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/compose');

function probe(): string | undefined {
  const run = (args: string[]): void => {
    execFileSync('docker', args, { stdio: 'ignore', timeout: 15_000 });
  };
  try {
    run(['info']);
  } catch {
    return 'no reachable Docker engine (`docker info` failed)';
  }
  try {
    run(['compose', 'version']);
  } catch {
    return 'Docker Compose v2 is missing (`docker compose version` failed)';
  }
  try {
    run(['image', 'inspect', TEST_IMAGE]);
  } catch {
    return `the test image ${TEST_IMAGE} is missing (run scripts/setup-docker-engine.sh)`;
  }
  return undefined;
}

/** Why the compose tests cannot run here, or undefined when they can. */
export const engineProblem = probe();

/**
 * `describe` for tests that need a real engine. Without one they are skipped with a loud notice;
 * with GAMEWARD_REQUIRE_DOCKER=1 (CI) they fail instead.
 */
export function describeWithEngine(name: string, body: () => void): void {
  if (engineProblem === undefined) {
    // Each compose command waits 500 ms after it exits (the npm package does): on a loaded
    // machine a test of several starts and stops needs more than the default 30 s.
    describe(name, { timeout: 120_000 }, body);
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

/** Removes a project's containers and networks, whatever state it is in (test cleanup). */
export function downProject(projectName: string): void {
  try {
    execFileSync('docker', ['compose', '-p', projectName, 'down', '-t', '0', '--remove-orphans'], {
      stdio: 'ignore',
      timeout: 60_000,
      cwd: tmpdir(),
    });
  } catch {
    // Nothing to remove.
  }
}

/** Runs `docker compose` outside any supervisor (to prepare a stack a supervisor adopts). */
export function compose(
  projectName: string,
  file: string,
  args: string[],
  env: Record<string, string> = {},
): string {
  return execFileSync('docker', ['compose', '-p', projectName, '-f', file, ...args], {
    cwd: FIXTURES,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs a docker command (kill, inspect...) and returns its stdout. */
export function docker(...args: string[]): string {
  return execFileSync('docker', args, {
    encoding: 'utf8',
    timeout: 60_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

/** A fresh directory the fixtures mount as /trigger; files in it steer server.sh. */
export function triggerDir(): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), 'gw-trigger-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Live (non-zombie) child processes of this process, with their command lines. */
export function liveChildren(): { pid: number; cmdline: string }[] {
  const found: { pid: number; cmdline: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      // Fields after the parenthesised name: state, ppid, ...
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(ppid) !== process.pid || state === 'Z') continue;
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'latin1').replaceAll('\0', ' ').trim();
      found.push({ pid, cmdline });
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}
