import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { ComposeSupervisor, type ComposeSupervisorConfig } from '../../src/compose/index.js';
import type { InstanceState } from '../../src/state/instance-state.js';
import type { CrashDetails, OutputLine } from '../../src/supervisor.js';
import { testProjectName } from '../support/run-id.js';
import { type Child, liveChildrenWith } from './children.js';
import {
  DOCKER_ENGINE,
  dockerOn,
  downProject,
  FIXTURES,
  type TestEngine,
  triggerDir,
} from './engine.js';

/** A supervisor on a fixture stack, with what a test needs to steer and observe it. */
export interface TestStack extends AsyncDisposable {
  readonly supervisor: ComposeSupervisor;
  readonly engine: TestEngine;
  readonly project: string;
  /** The directory mounted as /trigger in the containers. */
  readonly trigger: string;
  /** Every state the supervisor went through, the initial one first. */
  readonly states: string[];
  readonly crashes: CrashDetails[];
  readonly lines: OutputLine[];
  /** Makes server.sh of `role` do something: `touch('app-exit-5')`. */
  touch(file: string): void;
  /** The container of `service` (its name). */
  container(service: string): string;
}

// Stacks not disposed yet: a test that timed out never reaches the end of its `await using` scope.
const undisposed = new Set<TestStack>();

afterAll(async () => {
  await Promise.all([...undisposed].map((s) => s[Symbol.asyncDispose]()));
});

/**
 * Creates a supervisor on `test/fixtures/compose/<file>` with short stop timeouts, on `engine`
 * (its DOCKER_HOST; a podman project's name starts with `pm-`). Declare it with
 * `await using`: the scope's end disposes the supervisor and downs the project, even when the
 * test failed half-way (and concurrent tests each clean up their own); the file's end disposes
 * what a timed-out test left.
 */
export function stack(
  name: string,
  file: string,
  config: Partial<ComposeSupervisorConfig> = {},
  engine: TestEngine = DOCKER_ENGINE,
): TestStack {
  const project = testProjectName(engine.name === 'podman' ? `pm-${name}` : name);
  const trigger = triggerDir();
  const supervisor = new ComposeSupervisor({
    id: project,
    cwd: FIXTURES,
    files: [file],
    stopTimeoutMs: 1000,
    restartDelayMs: 0,
    removeOnStop: true,
    ...config,
    env: { ...engine.env, GW_TRIGGER_DIR: trigger.path, ...config.env },
  });
  const states: string[] = [label(supervisor.state)];
  const crashes: CrashDetails[] = [];
  const lines: OutputLine[] = [];
  supervisor.on('state', (next) => states.push(label(next)));
  supervisor.on('crash', (details) => crashes.push(details));
  supervisor.on('output', (line) => lines.push(line));
  const testStack: TestStack = {
    supervisor,
    engine,
    project,
    trigger: trigger.path,
    states,
    crashes,
    lines,
    touch: (f) => writeFileSync(join(trigger.path, f), ''),
    container: (service) => `${project}-${service}-1`,
    async [Symbol.asyncDispose]() {
      undisposed.delete(testStack);
      await supervisor[Symbol.asyncDispose]().catch(() => undefined);
      await downProject(project, { ...engine.env });
      trigger.remove();
    },
  };
  undisposed.add(testStack);
  return testStack;
}

/** `crashed(137)`, `running`...: states as short strings for sequence assertions. */
export function label(state: InstanceState): string {
  return state.state === 'crashed' && state.exitCode !== undefined
    ? `crashed(${state.exitCode})`
    : state.state;
}

/** Resolves once `count` output lines containing `text` were seen (already seen ones included). */
export function lineCount(s: TestStack, text: string, count = 1): Promise<void> {
  const seen = (): number => s.lines.filter((l) => l.text.includes(text)).length;
  if (seen() >= count) return Promise.resolve();
  return new Promise((resolve) => {
    const listener = (): void => {
      if (seen() < count) return;
      s.supervisor.off('output', listener);
      resolve();
    };
    s.supervisor.on('output', listener);
  });
}

/** Resolves once the supervisor went through `count` states (the initial one included). */
export function stateCount(s: TestStack, count: number): Promise<void> {
  if (s.states.length >= count) return Promise.resolve();
  return new Promise((resolve) => {
    const listener = (): void => {
      if (s.states.length < count) return;
      s.supervisor.off('state', listener);
      resolve();
    };
    s.supervisor.on('state', listener);
  });
}

/** The engine's view of a container: status, exit code, start time, health. */
export async function inspectState(
  container: string,
  engine: TestEngine = DOCKER_ENGINE,
): Promise<{
  Status: string;
  ExitCode: number;
  StartedAt: string;
  Health?: { Status: string };
}> {
  return JSON.parse(await dockerOn(engine, 'inspect', '--format', '{{json .State}}', container));
}

/** Names of the project's containers, stopped ones included. */
export async function projectContainers(
  project: string,
  engine: TestEngine = DOCKER_ENGINE,
): Promise<string[]> {
  const out = await dockerOn(
    engine,
    'ps',
    '-a',
    '--filter',
    `label=com.docker.compose.project=${project}`,
    '--format',
    '{{.Names}}',
  );
  return out.length === 0 ? [] : out.split('\n').sort();
}

/**
 * The live docker and compose processes the stack's supervisor spawned (only compose commands
 * now): every one gets the stack's own `GW_TRIGGER_DIR` through `env`, so tests running side by
 * side do not see each other's.
 */
export function childrenOf(s: TestStack): Promise<Child[]> {
  return liveChildrenWith('GW_TRIGGER_DIR', s.trigger);
}
