import { readFile } from 'node:fs/promises';
import { descendantsIn, isLive, type ProcEntry, readProcTable } from '../os/proc-table.js';

// Linux reports CPU time in USER_HZ ticks, 100 a second on every mainstream kernel build.
const TICKS_PER_SECOND = 100;
// A mark not refreshed for this long belongs to a process that has most likely exited.
const MARK_MAX_AGE_MS = 60_000;

interface CpuMark {
  readonly ticks: number;
  readonly time: number;
}

/** A tree sample read straight from /proc: no child process, no fd kept open between samples. */
export interface ProcTreeSample {
  cpuPercent: number;
  memoryBytes: number;
  processCount: number;
  time: number;
}

// Keyed by pid and start time, so a reused pid never inherits another process's history.
const marks = new Map<string, CpuMark>();

async function uptimeSeconds(): Promise<number> {
  return Number((await readFile('/proc/uptime', 'latin1')).split(' ')[0]);
}

async function residentBytes(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'latin1');
    const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
    // Kernel threads and zombies have no VmRSS line: they hold no user memory.
    return match === null ? 0 : Number(match[1]) * 1024;
  } catch {
    return undefined;
  }
}

function cpuPercent(entry: ProcEntry, now: number, uptime: number): number {
  const key = `${entry.pid}:${entry.startTime}`;
  const previous = marks.get(key);
  marks.set(key, { ticks: entry.cpuTicks, time: now });
  const elapsedMs = previous === undefined ? 0 : now - previous.time;
  if (previous !== undefined && elapsedMs > 0) {
    return ((entry.cpuTicks - previous.ticks) / TICKS_PER_SECOND / (elapsedMs / 1000)) * 100;
  }
  // First sample: the average since the process started; below a second of life the 10 ms tick
  // granularity makes that average meaningless (a 20 ms old process could read 300 %).
  const lifeSeconds = uptime - Number(entry.startTime) / TICKS_PER_SECOND;
  return lifeSeconds >= 1 ? (entry.cpuTicks / TICKS_PER_SECOND / lifeSeconds) * 100 : 0;
}

function forgetStale(now: number): void {
  for (const [key, mark] of marks) {
    if (now - mark.time > MARK_MAX_AGE_MS) marks.delete(key);
  }
}

/** Samples `rootPid` and its live descendants from one /proc snapshot (Linux only). */
export async function sampleProcTree(rootPid: number): Promise<ProcTreeSample> {
  const [table, uptime] = await Promise.all([readProcTable(), uptimeSeconds()]);
  const time = Date.now();
  const root = table.get(rootPid);
  const sample: ProcTreeSample = { cpuPercent: 0, memoryBytes: 0, processCount: 0, time };
  if (!isLive(root)) return sample;
  for (const entry of [root, ...descendantsIn(table, [rootPid])]) {
    const memory = await residentBytes(entry.pid);
    if (memory === undefined) continue;
    sample.processCount += 1;
    sample.memoryBytes += memory;
    sample.cpuPercent += cpuPercent(entry, time, uptime);
  }
  forgetStale(time);
  return sample;
}

/** Live descendants of `rootPid` from one /proc snapshot (Linux only). */
export async function procDescendants(rootPid: number): Promise<number[]> {
  const table = await readProcTable();
  if (!isLive(table.get(rootPid))) return [];
  return descendantsIn(table, [rootPid]).map((entry) => entry.pid);
}
