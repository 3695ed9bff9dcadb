import type { StdioOptions } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';

const O_CLOEXEC = 0o2000000;

/**
 * The host's fds above 2 that a child would inherit: those it got from its own parent without
 * close-on-exec (Node opens its own fds with O_CLOEXEC). A kept server holding one of them (a
 * launcher's pipe) would keep that pipe open for as long as it runs.
 */
export function inheritableFds(): number[] {
  const fds: number[] = [];
  for (const name of readdirSync('/proc/self/fd')) {
    const fd = Number(name);
    if (fd < 3) continue;
    try {
      const flags = /^flags:\s*([0-7]+)/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'latin1'));
      if (flags?.[1] !== undefined && (Number.parseInt(flags[1], 8) & O_CLOEXEC) === 0)
        fds.push(fd);
    } catch {
      // Closed while we listed (the directory's own fd).
    }
  }
  return fds;
}

/** Stdio for a process that must outlive the host, and a function to call once it is spawned. */
export interface DetachedStdio {
  readonly stdio: StdioOptions;
  readonly release: () => void;
}

/**
 * Stdin as given, stdout and stderr to /dev/null, and every inheritable fd overwritten with
 * /dev/null. dash can close fds 3-9 but not above, so overwriting them at spawn is what keeps a
 * launcher's pipe out of a keeper that may run for months.
 */
export function detachedStdio(stdin: 'ignore' | 'pipe' = 'ignore'): DetachedStdio {
  const leaks = inheritableFds();
  if (leaks.length === 0) return { stdio: [stdin, 'ignore', 'ignore'], release: () => {} };
  const devNull = openSync('/dev/null', 'r+');
  const stdio: (number | 'ignore' | 'pipe')[] = [stdin, 'ignore', 'ignore'];
  for (const fd of leaks) {
    while (stdio.length <= fd) stdio.push('ignore');
    stdio[fd] = devNull;
  }
  return { stdio, release: () => closeSync(devNull) };
}
