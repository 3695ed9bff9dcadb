import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, it } from 'vitest';
import type { Logger } from '../../src/logger.js';
import { KEY, KNOWN_HOSTS, NETNS, SSH_DIR, SSH_HOST, SSH_PORT } from './endpoint.js';

const run = promisify(execFile);

function probe(): string | undefined {
  if (!existsSync(NETNS)) return 'network namespace gwnode2 is missing';
  if (!existsSync(KEY) || !existsSync(KNOWN_HOSTS))
    return `the test keys in ${SSH_DIR} are missing`;
  try {
    // A TCP connect to the sshd in the namespace, with nothing but bash.
    execFileSync('bash', ['-c', `exec 3<>/dev/tcp/${SSH_HOST}/${SSH_PORT}`], {
      stdio: 'ignore',
      timeout: 3000,
    });
  } catch {
    return `nothing listens on ${SSH_HOST}:${SSH_PORT}`;
  }
  return undefined;
}

/** Why the SSH tests cannot run here, or undefined when they can. */
export const sshdProblem = probe();

/**
 * `describe` for tests that need the sshd of scripts/setup-sshd.sh. Without it they are skipped
 * with a loud notice; with GAMEWARD_REQUIRE_SSH=1 (CI) they fail instead.
 */
export function describeWithSshd(name: string, body: () => void): void {
  if (sshdProblem === undefined) {
    describe(name, { timeout: 60_000 }, body);
  } else if (process.env.GAMEWARD_REQUIRE_SSH === '1') {
    describe(name, () => {
      it('needs the test sshd (GAMEWARD_REQUIRE_SSH=1)', () => {
        throw new Error(`SSH tests cannot run: ${sshdProblem}`);
      });
    });
  } else {
    console.warn(
      `\n!!! SKIPPING SSH tests "${name}": ${sshdProblem}.\n!!! Run scripts/setup-sshd.sh, or set GAMEWARD_REQUIRE_SSH=1 to fail instead.\n`,
    );
    describe.skip(name, body);
  }
}

/** Runs a command inside the sshd's network namespace (the server side). */
export async function inNamespace(...argv: string[]): Promise<string> {
  const { stdout } = await run('nsenter', [`--net=${NETNS}`, ...argv], {
    encoding: 'utf8',
    timeout: 15_000,
  });
  return stdout;
}

/** TCP connections the sshd holds, counted on the server side, optionally from one local port. */
export async function serverConnections(): Promise<string[]> {
  const out = await inNamespace('ss', '-Htn', 'state', 'established', `( sport = :${SSH_PORT} )`);
  return out.split('\n').filter((line) => line.trim() !== '');
}

/**
 * Cuts the link like a pulled cable: the namespace silently drops every packet of the sshd port
 * (no RST, no FIN), until the returned function restores it. Only our namespace's rules change.
 */
export async function blackHole(): Promise<() => Promise<void>> {
  const rule = ['INPUT', '-p', 'tcp', '--dport', String(SSH_PORT), '-j', 'DROP'];
  await inNamespace('iptables', '-I', ...rule);
  return async () => {
    await inNamespace('iptables', '-D', ...rule);
  };
}

/** A logger that keeps everything it is given, serialised, for "no secret is logged" checks. */
export function recordingLogger(): Logger & { readonly records: string[] } {
  const records: string[] = [];
  const keep =
    (level: string) =>
    (obj: object, msg?: string): void => {
      records.push(`${level} ${JSON.stringify(obj, errorFields)} ${msg ?? ''}`);
    };
  return {
    records,
    debug: keep('debug'),
    info: keep('info'),
    warn: keep('warn'),
    error: keep('error'),
  };
}

/** JSON with an Error's message, stack and cause too (what a real logger would print). */
function errorFields(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    return { ...value, message: value.message, stack: value.stack, cause: value.cause };
  }
  return value;
}

const SETUP = new URL('../../scripts/setup-sshd.sh', import.meta.url).pathname;

/** Waits until `check` holds, checking every 50 ms; for server-side facts that have no event. */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Stops the sshd and every connection it serves (its per-connection children), by pid. */
export async function stopSshd(): Promise<void> {
  const master = (await run('cat', [`${SSH_DIR}/sshd.pid`], { encoding: 'utf8' })).stdout.trim();
  const children = (
    await run('ps', ['-o', 'pid=', '--ppid', master], { encoding: 'utf8' }).catch(() => ({
      stdout: '',
    }))
  ).stdout
    .split('\n')
    .map((pid) => pid.trim())
    .filter((pid) => pid !== '');
  for (const pid of [master, ...children]) {
    try {
      process.kill(Number(pid), 'SIGTERM');
    } catch {
      // Already gone.
    }
  }
}

/** Starts the sshd again with the project's script (outside the test run's process marker). */
export async function startSshd(): Promise<void> {
  const env = { ...process.env };
  delete env.GAMEWARD_TEST_RUN;
  await run('bash', [SETUP], { env, timeout: 60_000 });
}
