import { readFile } from 'node:fs/promises';
import { isLive, readProcTable } from '../../src/os/proc-table.js';

/** A live child process of this process. */
export interface Child {
  readonly pid: number;
  readonly cmdline: string;
}

/** Live (not zombie) children of this process, with their command lines (Linux /proc). */
export async function liveChildren(): Promise<Child[]> {
  const table = await readProcTable();
  const children = [...table.values()].filter((p) => p.ppid === process.pid && isLive(p));
  const found = await Promise.all(
    children.map(async ({ pid }) => {
      try {
        const cmdline = await readFile(`/proc/${pid}/cmdline`, 'latin1');
        return [{ pid, cmdline: cmdline.replaceAll('\0', ' ').trim() }];
      } catch {
        return []; // Gone meanwhile.
      }
    }),
  );
  return found.flat();
}

/** Live children of this process whose environment holds `NAME=value` (one instance's). */
export async function liveChildrenWith(name: string, value: string): Promise<Child[]> {
  const needle = `\0${name}=${value}\0`;
  const children = await liveChildren();
  const marked = await Promise.all(
    children.map(async (child) => {
      try {
        const environ = `\0${await readFile(`/proc/${child.pid}/environ`, 'latin1')}`;
        return environ.includes(needle) ? [child] : [];
      } catch {
        return []; // Gone meanwhile.
      }
    }),
  );
  return marked.flat();
}

/** The command line of one process, '' when it is gone. */
export async function cmdlineOf(pid: number): Promise<string> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'latin1')).replaceAll('\0', ' ').trim();
  } catch {
    return '';
  }
}
