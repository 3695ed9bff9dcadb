import { afterAll } from 'vitest';
import type { ComposeSupervisorConfig } from '../../src/compose/index.js';
import { describeWithPodman, PODMAN_HOST, PODMAN_SOCKET } from '../podman/podman.js';
import { testProjectName } from '../support/run-id.js';
import {
  compose,
  DOCKER_ENGINE,
  describeWithEngine,
  dockerOn,
  downProject,
  type TestEngine,
} from './engine.js';
import { inspectState, projectContainers, stack, type TestStack } from './stack.js';

/** Podman 4.3's Docker-compatible API (scripts/setup-podman.sh serves it). */
export const PODMAN_ENGINE: TestEngine = {
  name: 'podman',
  socket: PODMAN_SOCKET,
  env: { DOCKER_HOST: PODMAN_HOST },
};

/**
 * The compose tests' helpers bound to one engine: a test body written with them runs unchanged
 * on Docker and on podman (the docker CLI, compose and the supervisor all get its DOCKER_HOST).
 */
export interface EngineHelpers {
  readonly engine: TestEngine;
  stack(name: string, file: string, config?: Partial<ComposeSupervisorConfig>): TestStack;
  docker(...args: string[]): Promise<string>;
  compose(
    project: string,
    file: string,
    args: string[],
    env?: Record<string, string>,
  ): Promise<void>;
  inspectState(container: string): ReturnType<typeof inspectState>;
  projectContainers(project: string): Promise<string[]>;
}

/** {@link EngineHelpers} of `engine`. */
export function on(engine: TestEngine): EngineHelpers {
  return {
    engine,
    stack: (name, file, config = {}) => stack(name, file, config, engine),
    docker: (...args) => dockerOn(engine, ...args),
    compose: (project, file, args, env = {}) =>
      compose(project, file, args, { ...engine.env, ...env }),
    inspectState: (container) => inspectState(container, engine),
    projectContainers: (project) => projectContainers(project, engine),
  };
}

/**
 * Declares the block twice: on Docker (skipped or failing as {@link describeWithEngine} says) and
 * on podman (as describeWithPodman says: skipped loudly without it, failing with
 * GAMEWARD_REQUIRE_PODMAN=1). After the podman block, no container of this run's `pm-` projects
 * may be left on podman: any is removed, and the block fails naming it.
 */
export function describeOnEngines(
  name: string,
  body: (helpers: EngineHelpers) => void,
  options: { concurrent?: boolean } = {},
): void {
  describeWithEngine(`${name} [docker]`, () => body(on(DOCKER_ENGINE)), options);
  describeWithPodman(
    `${name} [podman]`,
    () => {
      body(on(PODMAN_ENGINE));
      afterAll(assertNothingLeftOnPodman, 60_000);
    },
    { ...options, timeoutMs: 120_000 },
  );
}

async function assertNothingLeftOnPodman(): Promise<void> {
  const prefix = testProjectName('pm-');
  const out = await dockerOn(
    PODMAN_ENGINE,
    'ps',
    '-a',
    '--filter',
    'label=com.docker.compose.project',
    '--format',
    '{{.Label "com.docker.compose.project"}} {{.Names}}',
  );
  const left = out
    .split('\n')
    .filter((l) => l.startsWith(prefix))
    .map((l) => l.split(' '));
  for (const project of new Set(left.map(([p]) => p ?? ''))) {
    await downProject(project, { ...PODMAN_ENGINE.env });
  }
  if (left.length > 0) {
    throw new Error(`podman containers left behind: ${left.map(([, n]) => n).join(', ')}`);
  }
}
