import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { ComposeSupervisor, type ComposeSupervisorConfig } from '../../src/compose/index.js';
import type { InstanceState } from '../../src/state/instance-state.js';
import type { CrashDetails, OutputLine } from '../../src/supervisor.js';
import { testProjectName } from '../support/run-id.js';
import { docker, downProject, FIXTURES, triggerDir } from './engine.js';

/** A supervisor on a fixture stack, with what a test needs to steer and observe it. */
export interface TestStack {
  readonly supervisor: ComposeSupervisor;
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

const cleanups: (() => Promise<void>)[] = [];

// Every test downs its stacks, even when it failed half-way.
afterEach(async () => {
  const pending = cleanups.splice(0);
  for (const cleanup of pending) await cleanup();
});

/** Creates a supervisor on `test/fixtures/compose/<file>` with short stop timeouts. */
export function stack(
  name: string,
  file: string,
  config: Partial<ComposeSupervisorConfig> = {},
): TestStack {
  const project = testProjectName(name);
  const trigger = triggerDir();
  const supervisor = new ComposeSupervisor({
    id: project,
    cwd: FIXTURES,
    files: [file],
    stopTimeoutMs: 1000,
    restartDelayMs: 0,
    removeOnStop: true,
    ...config,
    env: { GW_TRIGGER_DIR: trigger.path, ...config.env },
  });
  const states: string[] = [label(supervisor.state)];
  const crashes: CrashDetails[] = [];
  const lines: OutputLine[] = [];
  supervisor.on('state', (next) => states.push(label(next)));
  supervisor.on('crash', (details) => crashes.push(details));
  supervisor.on('output', (line) => lines.push(line));
  cleanups.push(async () => {
    await supervisor[Symbol.asyncDispose]().catch(() => undefined);
    downProject(project);
    trigger.remove();
  });
  return {
    supervisor,
    project,
    trigger: trigger.path,
    states,
    crashes,
    lines,
    touch: (f) => writeFileSync(join(trigger.path, f), ''),
    container: (service) => `${project}-${service}-1`,
  };
}

/** `crashed(137)`, `running`...: states as short strings for sequence assertions. */
export function label(state: InstanceState): string {
  return state.state === 'crashed' && state.exitCode !== undefined
    ? `crashed(${state.exitCode})`
    : state.state;
}

/** Resolves with the first output line containing `text` (already seen ones included). */
export function lineWith(s: TestStack, text: string): Promise<OutputLine> {
  const seen = s.lines.find((l) => l.text.includes(text));
  if (seen !== undefined) return Promise.resolve(seen);
  return new Promise((resolve) => {
    const listener = (line: OutputLine): void => {
      if (!line.text.includes(text)) return;
      s.supervisor.off('output', listener);
      resolve(line);
    };
    s.supervisor.on('output', listener);
  });
}

/** The engine's view of a container: status, exit code, start time, health. */
export function inspectState(container: string): {
  Status: string;
  ExitCode: number;
  StartedAt: string;
  Health?: { Status: string };
} {
  return JSON.parse(docker('inspect', '--format', '{{json .State}}', container));
}

/** Names of the project's containers, stopped ones included. */
export function projectContainers(project: string): string[] {
  const out = docker(
    'ps',
    '-a',
    '--filter',
    `label=com.docker.compose.project=${project}`,
    '--format',
    '{{.Names}}',
  );
  return out.length === 0 ? [] : out.split('\n').sort();
}

/** Resolves once `count` output lines equal to `text` were seen. */
export function lineCount(s: TestStack, text: string, count: number): Promise<void> {
  const seen = (): number => s.lines.filter((l) => l.text === text).length;
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
