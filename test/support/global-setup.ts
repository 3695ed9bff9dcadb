import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { findLeakedContainers, findMarkedProcesses, RUN_MARKER } from './leaks.js';
import { runToken } from './run-id.js';

/**
 * Marks every process of this run, and fails the run if any test left a child process or a
 * container alive (after killing them, so the next run starts clean).
 */
export default function setup(): () => void {
  const marker = randomUUID();
  process.env[RUN_MARKER] = marker;
  return () => {
    const leaked = findMarkedProcesses(marker, new Set([process.pid]));
    for (const { pid } of leaked) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    const containers = findLeakedContainers(`gwtest${runToken()}`);
    for (const line of containers) {
      const name = line.split(' ')[0];
      if (name) execFileSync('docker', ['rm', '-f', name], { stdio: 'ignore' });
    }
    const problems = [
      ...leaked.map((p) => `process ${p.pid}: ${p.cmdline}`),
      ...containers.map((c) => `container ${c}`),
    ];
    if (problems.length > 0) {
      throw new Error(
        `The test run left ${problems.length} thing(s) alive:\n${problems.join('\n')}`,
      );
    }
  };
}
