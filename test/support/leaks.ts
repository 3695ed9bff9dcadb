import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Every test run marks its processes with this variable; children inherit it, even across setsid. */
export const RUN_MARKER = 'GAMEWARD_TEST_RUN';

export interface LeakedProcess {
  pid: number;
  cmdline: string;
}

/** Processes (other than vitest's own) that carry this run's marker in their environment. */
export function findMarkedProcesses(marker: string, exclude: ReadonlySet<number>): LeakedProcess[] {
  const needle = `${RUN_MARKER}=${marker}\0`;
  const found: LeakedProcess[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || exclude.has(pid)) continue;
    try {
      const environ = readFileSync(`/proc/${pid}/environ`, 'latin1');
      if (!environ.includes(needle)) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      // Zombies are reaped by their parent; only live processes count as leaks.
      if (/^\d+ \(.*\) Z /s.test(stat)) continue;
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'latin1').replaceAll('\0', ' ').trim();
      // A daemon a test restarted (the engine-restart test starts dockerd anew) is not a leak:
      // killing it would take the engine away from everything after.
      if (/vitest|tinypool|esbuild|dockerd|containerd|podman system service/.test(cmdline))
        continue;
      found.push({ pid, cmdline });
    } catch {
      // Gone, or not ours to read.
    }
  }
  return found;
}

/** Containers of the compose projects this run created (named `gwtest<token>-...`, see run-id.ts). */
export function findLeakedContainers(prefix: string): string[] {
  try {
    const out = execFileSync(
      'docker',
      [
        'ps',
        '-a',
        '--filter',
        'label=com.docker.compose.project',
        '--format',
        '{{.Names}} {{.Label "com.docker.compose.project"}}',
      ],
      { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] },
    );
    return out.split('\n').filter((line) => line.split(' ')[1]?.startsWith(prefix) === true);
  } catch {
    return [];
  }
}
