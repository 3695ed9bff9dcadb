import { execFile, execFileSync } from 'node:child_process';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { afterAll, describe, it } from 'vitest';
import { FIXTURES, TEST_IMAGE } from '../compose/engine.js';
import { runToken } from '../support/run-id.js';

/** Where scripts/setup-podman.sh serves podman's Docker-compatible API. */
export const PODMAN_SOCKET = '/run/podman/podman.sock';
export const PODMAN_HOST = `unix://${PODMAN_SOCKET}`;
/** Every container these tests make carries it, so cleanup finds them whatever happened. */
export const TEST_LABEL = 'gameward.test';
export const PROJECT_LABEL = 'com.docker.compose.project';
export const SERVICE_LABEL = 'com.docker.compose.service';

const run = promisify(execFile);

function probe(): string | undefined {
  const curl = (path: string): string =>
    execFileSync(
      'curl',
      ['-sf', '--max-time', '5', '--unix-socket', PODMAN_SOCKET, `http://d${path}`],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
  try {
    curl('/_ping');
  } catch {
    return `no podman API at ${PODMAN_HOST} (run scripts/setup-podman.sh)`;
  }
  try {
    if (!curl('/version').includes('Podman Engine')) return `${PODMAN_HOST} is not podman`;
  } catch {
    return `${PODMAN_HOST} did not answer /version`;
  }
  try {
    curl(`/v1.41/images/${TEST_IMAGE}/json`);
  } catch {
    return `the test image ${TEST_IMAGE} is missing in podman (run scripts/setup-podman.sh)`;
  }
  try {
    execFileSync('docker', ['compose', 'version'], { stdio: 'ignore', timeout: 15_000 });
  } catch {
    return 'Docker Compose v2 is missing (`docker compose version` failed)';
  }
  return undefined;
}

/** Why the podman tests cannot run here, or undefined when they can. */
export const podmanProblem = probe();

/**
 * `describe` for tests on the real podman. Without it they are skipped with a loud notice; with
 * GAMEWARD_REQUIRE_PODMAN=1 (CI) they fail instead. Each file's end removes what its tests made.
 */
export function describeWithPodman(
  name: string,
  body: () => void,
  options: { concurrent?: boolean; timeoutMs?: number } = {},
): void {
  if (podmanProblem === undefined) {
    const timeout = options.timeoutMs ?? 60_000;
    describe(name, { timeout, concurrent: options.concurrent === true }, body);
    afterAll(removeTestContainers, 60_000);
  } else if (process.env.GAMEWARD_REQUIRE_PODMAN === '1') {
    describe(name, () => {
      it('needs podman (GAMEWARD_REQUIRE_PODMAN=1)', () => {
        throw new Error(`Podman tests cannot run: ${podmanProblem}`);
      });
    });
  } else {
    console.warn(
      `\n!!! SKIPPING podman tests "${name}": ${podmanProblem}.\n!!! Run scripts/setup-podman.sh, or set GAMEWARD_REQUIRE_PODMAN=1 to fail instead.\n`,
    );
    describe.skip(name, body);
  }
}

/** The dockerode client on podman's socket. */
export const podman = new Docker({ socketPath: PODMAN_SOCKET });

/** A name (container or compose project) owned by this run: the global prefix plus `pm-`. */
export function testName(name: string): string {
  return `gwtest${runToken()}-pm-${name}`;
}

/** Creates (not starts) a labelled test container running `script` in the test image. */
export async function createContainer(
  name: string,
  script: string,
  extra: Docker.ContainerCreateOptions = {},
): Promise<Docker.Container> {
  const fullName = testName(name);
  return podman.createContainer({
    name: fullName,
    Image: TEST_IMAGE,
    Cmd: ['sh', '-c', script],
    ...extra,
    Labels: {
      [TEST_LABEL]: 'podman',
      [PROJECT_LABEL]: fullName,
      [SERVICE_LABEL]: 'app',
      ...extra.Labels,
    },
  });
}

/** One event as the API streams it. */
export interface RawEvent {
  readonly Type: string;
  readonly Action: string;
  readonly status?: string;
  readonly Actor: { readonly ID: string; readonly Attributes: Record<string, string> };
  readonly timeNano: number;
}

/**
 * Opens `/events` with `options` and collects events until `done(events)` says so or the engine
 * ends the stream (an `until` deadline); `timeoutMs` only bounds a test gone wrong.
 */
export async function collectEvents(
  options: { filters?: Record<string, string[]>; since?: string; until?: string },
  done: (events: RawEvent[]) => boolean = () => false,
  timeoutMs = 20_000,
): Promise<RawEvent[]> {
  // since/until go as strings (the types say numbers): seconds with nanoseconds, or RFC 3339.
  const query = {
    ...options,
    ...(options.filters === undefined ? {} : { filters: JSON.stringify(options.filters) }),
  } as unknown as Docker.GetEventsOptions;
  const stream = (await podman.getEvents(query)) as unknown as Readable;
  const events: RawEvent[] = [];
  let pending = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stream.destroy();
      reject(new Error(`events: no end after ${timeoutMs} ms; got ${describeEvents(events)}`));
    }, timeoutMs);
    const finish = (): void => {
      clearTimeout(timer);
      stream.destroy();
      resolve(events);
    };
    stream.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      for (let at = pending.indexOf('\n'); at >= 0; at = pending.indexOf('\n')) {
        const line = pending.slice(0, at).trim();
        pending = pending.slice(at + 1);
        if (line.length > 0) events.push(JSON.parse(line) as RawEvent);
      }
      if (done(events)) finish();
    });
    stream.on('end', finish);
    stream.on('error', (error: Error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** `action(exitCode)` for each event, for assertion messages. */
export function describeEvents(events: readonly RawEvent[]): string {
  return events
    .map(
      (e) => `${e.Action}${e.Actor.Attributes.exitCode ? `(${e.Actor.Attributes.exitCode})` : ''}`,
    )
    .join(' ');
}

/** The API's `since`/`until`: seconds with nanoseconds. */
export function apiSeconds(ms: number): string {
  return (ms / 1000).toFixed(9);
}

/** Runs `docker compose` against podman (DOCKER_HOST) in the compose fixtures' directory. */
export async function composeOnPodman(
  project: string,
  file: string,
  args: readonly string[],
  env: Record<string, string> = {},
  timeoutMs = 60_000,
): Promise<{ stdout: string; stderr: string }> {
  return run('docker', ['compose', '-p', project, '-f', file, ...args], {
    cwd: FIXTURES,
    env: { ...process.env, DOCKER_HOST: PODMAN_HOST, ...env },
    timeout: timeoutMs,
    encoding: 'utf8',
  });
}

/** Removes every podman container this run's tests made (test cleanup; asserts none is left). */
export async function removeTestContainers(): Promise<void> {
  const prefix = testName('');
  const mine = async (): Promise<Docker.ContainerInfo[]> =>
    // Test containers and compose fixtures alike carry a project label named after the run.
    (await podman.listContainers({ all: true, filters: { label: [PROJECT_LABEL] } })).filter(
      (c) => c.Labels[PROJECT_LABEL]?.startsWith(prefix) === true,
    );
  const projects = new Set<string>();
  for (const info of await mine()) {
    const project = info.Labels[PROJECT_LABEL];
    if (project !== undefined) projects.add(project);
    await podman
      .getContainer(info.Id)
      .remove({ force: true })
      .catch(() => undefined);
  }
  // Compose projects leave their network behind.
  for (const project of projects) {
    await podman
      .getNetwork(`${project}_default`)
      .remove()
      .catch(() => undefined);
  }
  const left = await mine();
  if (left.length > 0) {
    throw new Error(`podman containers left behind: ${left.map((c) => c.Names[0]).join(', ')}`);
  }
}
