import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ProcessSupervisorConfig } from '../../src/process/index.js';
import { ProcessSupervisor } from '../../src/process/index.js';
import type { InstanceState } from '../../src/state/instance-state.js';
import type { OutputLine } from '../../src/supervisor.js';

/** An absolute path under test/fixtures. */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
}

let counter = 0;
/** A unique instance id per test. */
export function uniqueId(prefix = 'proc'): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}`;
}

/** A supervisor running a Node fixture script (`node <fixture> ...args`). */
export function nodeServer(
  script: string,
  args: readonly string[] = [],
  config: Partial<ProcessSupervisorConfig> = {},
): ProcessSupervisor {
  return new ProcessSupervisor({
    id: uniqueId(),
    executable: process.execPath,
    args: [fixture(script), ...args],
    stopTimeoutMs: 5000,
    restartDelayMs: 0,
    ...config,
  });
}

/** Every state label the supervisor goes through from now on (the current one first). */
export function recordStates(supervisor: ProcessSupervisor): InstanceState[] {
  const seen: InstanceState[] = [supervisor.state];
  supervisor.on('state', (next) => seen.push(next));
  return seen;
}

/** Labels only: `['stopped', 'starting', 'running']`. */
export function labels(states: readonly InstanceState[]): string[] {
  return states.map((s) => s.state);
}

/** Resolves with the first output line whose text matches. */
export function nextLine(supervisor: ProcessSupervisor, match: RegExp): Promise<OutputLine> {
  const seen = supervisor.recentOutput().find((line) => match.test(line.text));
  if (seen !== undefined) return Promise.resolve(seen);
  return new Promise((resolve) => {
    const listener = (line: OutputLine): void => {
      if (!match.test(line.text)) return;
      supervisor.off('output', listener);
      resolve(line);
    };
    supervisor.on('output', listener);
  });
}

/** True while `pid` is a live process (a zombie counts as dead: it only waits to be reaped). */
export function isAlive(pid: number): boolean {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return false;
  try {
    const text = readFileSync(stat, 'latin1');
    const state = text.slice(text.lastIndexOf(')') + 2, text.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** The pids a spawn-tree fixture printed (`child <pid>`), once it printed `tree ready`. */
export async function treePids(supervisor: ProcessSupervisor): Promise<number[]> {
  await nextLine(supervisor, /^tree ready$/);
  return supervisor
    .recentOutput()
    .map((line) => /^child (\d+)$/.exec(line.text)?.[1])
    .filter((pid): pid is string => pid !== undefined)
    .map(Number);
}
