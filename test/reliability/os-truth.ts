import { readdirSync, readFileSync } from 'node:fs';

/** True while `pid` is a live process (a zombie is dead: it only waits to be reaped). */
export function isAlive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z /s.test(readFileSync(`/proc/${pid}/stat`, 'latin1'));
  } catch {
    return false;
  }
}

/** Live processes whose environment holds `name=value`: a server and every descendant it made. */
export function processesMarked(name: string, value: string): number[] {
  const needle = `${name}=${value}\0`;
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      if (readFileSync(`/proc/${pid}/environ`, 'latin1').includes(needle) && isAlive(pid)) {
        found.push(pid);
      }
    } catch {
      // Gone in the meantime.
    }
  }
  return found;
}

/** Zombie children of this process: exits nobody reaped. */
export function zombieChildren(): number[] {
  const zombies: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      // Fields after the command: state, ppid.
      const match = /^\d+ \(.*\) (\S) (\d+) /s.exec(stat);
      if (match?.[1] === 'Z' && Number(match[2]) === process.pid) zombies.push(pid);
    } catch {
      // Gone.
    }
  }
  return zombies;
}

/**
 * The marked processes still alive once SIGKILL has had `graceMs` to land. A signal to a process
 * group is delivered asynchronously and a grandchild's death raises no event here, so this is
 * the one place that polls (every 10 ms, a generous bound).
 */
export async function survivorsAfter(
  name: string,
  value: string,
  graceMs = 2000,
): Promise<number[]> {
  const deadline = Date.now() + graceMs;
  let left = processesMarked(name, value);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    left = processesMarked(name, value);
  }
  return left;
}
