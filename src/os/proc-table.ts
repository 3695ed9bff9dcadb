import { readdir, readFile } from 'node:fs/promises';

/** One process as /proc describes it. */
export interface ProcEntry {
  readonly pid: number;
  readonly ppid: number;
  readonly pgrp: number;
  /** One letter: R, S, D, Z (zombie), T, X (dead)... */
  readonly state: string;
  /** Clock ticks after boot when it started: tells a reused pid from the original. */
  readonly startTime: string;
  /** CPU time spent in user and kernel mode, in clock ticks. */
  readonly cpuTicks: number;
}

/** A snapshot of every process, keyed by pid. */
export type ProcTable = ReadonlyMap<number, ProcEntry>;

/** True where /proc can be read (Linux). */
export const hasProcFs = process.platform === 'linux';

/** Reads every /proc/<pid>/stat: one snapshot of the whole process table (Linux only). */
export async function readProcTable(): Promise<ProcTable> {
  const table = new Map<number, ProcEntry>();
  const names = await readdir('/proc');
  await Promise.all(
    names.map(async (name) => {
      const code = name.charCodeAt(0);
      if (code < 48 || code > 57) return;
      try {
        const entry = parseStat(await readFile(`/proc/${name}/stat`, 'latin1'));
        if (entry !== undefined) table.set(entry.pid, entry);
      } catch {
        // Exited while we listed.
      }
    }),
  );
  return table;
}

/** Parses a /proc/<pid>/stat line; the command name may hold spaces and parentheses. */
export function parseStat(line: string): ProcEntry | undefined {
  const close = line.lastIndexOf(')');
  if (close === -1) return undefined;
  const pid = Number(line.slice(0, line.indexOf(' ')));
  // Fields after the name: state(3) ppid(4) pgrp(5) ... utime(14) stime(15) ... starttime(22).
  const fields = line.slice(close + 2).split(' ');
  const [state, ppid, pgrp] = fields;
  const startTime = fields[19];
  if (state === undefined || ppid === undefined || pgrp === undefined || startTime === undefined) {
    return undefined;
  }
  const cpuTicks = Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
  return { pid, ppid: Number(ppid), pgrp: Number(pgrp), state, startTime, cpuTicks };
}

/** A live (not zombie, not dead) process. */
export function isLive(entry: ProcEntry | undefined): entry is ProcEntry {
  return entry !== undefined && entry.state !== 'Z' && entry.state !== 'X';
}

/** Every live descendant of any of `roots` (the roots excluded), found by walking ppid links. */
export function descendantsIn(table: ProcTable, roots: Iterable<number>): ProcEntry[] {
  const children = new Map<number, ProcEntry[]>();
  for (const entry of table.values()) {
    const list = children.get(entry.ppid);
    if (list === undefined) children.set(entry.ppid, [entry]);
    else list.push(entry);
  }
  const found = new Map<number, ProcEntry>();
  const pending = [...roots];
  const rootSet = new Set(pending);
  for (let pid = pending.pop(); pid !== undefined; pid = pending.pop()) {
    for (const child of children.get(pid) ?? []) {
      if (found.has(child.pid) || rootSet.has(child.pid) || !isLive(child)) continue;
      found.set(child.pid, child);
      pending.push(child.pid);
    }
  }
  return [...found.values()];
}

/** Live members of process group `pgid`. */
export function groupMembersIn(table: ProcTable, pgid: number): ProcEntry[] {
  return [...table.values()].filter((entry) => entry.pgrp === pgid && isLive(entry));
}

/** Sends `signal` to `pid` (a negative pid: a process group); false when nothing received it. */
export function sendSignal(pid: number, signal: NodeJS.Signals | 0): boolean {
  // ESRCH is the common answer (a group already empty): no stack to capture for it.
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    // ESRCH: already gone. EPERM: not ours; the liveness check reports what survives.
    return false;
  } finally {
    Error.stackTraceLimit = limit;
  }
}
