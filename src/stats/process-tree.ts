import pidtree from 'pidtree';
import pidusage from 'pidusage';
import { hasProcFs } from '../os/proc-table.js';
import { procDescendants, sampleProcTree } from './proc-sampler.js';

/** One sample of a whole process tree: the root and every descendant, summed. */
export interface ProcessTreeSample {
  /** CPU use in percent of one core (a tree using two full cores reports 200). */
  readonly cpuPercent: number;
  /** Resident memory in bytes. */
  readonly memoryBytes: number;
  /** Processes sampled: 0 when the root is gone. */
  readonly processCount: number;
  /** When the sample was taken, in ms since the epoch. */
  readonly time: number;
}

// pidusage keeps an open /proc fd per sampled pid until unused this long; a short age bounds fds.
const PIDUSAGE_MAXAGE_MS = 15_000;
// Our own CPU history is forgotten for a pid not sampled for this long (it has likely exited).
const HISTORY_MAX_AGE_MS = 60_000;

interface CpuMark {
  readonly ctime: number;
  readonly time: number;
}

// pidusage reports 0 % CPU on a pid's first sample; keeping our own marks gives the average since
// the process started instead, then the use since the previous sample.
const history = new Map<number, CpuMark>();

function assertPid(pid: number): void {
  // pidtree treats -1 as "every process on the system": never let a bad pid reach it.
  if (!Number.isInteger(pid) || pid <= 0) {
    throw new RangeError(`Expected a process id (a positive integer), got ${String(pid)}`);
  }
}

function isVanished(error: unknown): boolean {
  return error instanceof Error && /no matching pid|ENOENT|ESRCH/i.test(error.message);
}

/** Every descendant pid of `rootPid` (not the root itself); `[]` when the root is gone. */
export async function listDescendants(rootPid: number): Promise<number[]> {
  assertPid(rootPid);
  if (hasProcFs) return procDescendants(rootPid);
  try {
    return await pidtree(rootPid);
  } catch (error) {
    if (isVanished(error)) return [];
    throw error;
  }
}

/**
 * Samples the root and its descendants: from /proc on Linux (no `ps`, no fd kept open, a reused
 * pid never mistaken for the original), through pidtree and pidusage elsewhere. Processes that
 * exit between the listing and the sampling are skipped; a root that is gone gives zeros with
 * `processCount` 0.
 */
export async function sampleProcessTree(rootPid: number): Promise<ProcessTreeSample> {
  assertPid(rootPid);
  if (hasProcFs) return sampleProcTree(rootPid);
  const pids = [rootPid, ...(await listDescendants(rootPid))];
  let stats: Record<string, pidusage.Status | null | undefined>;
  try {
    // pidusage rewrites the array it is given: pass a copy.
    stats = await pidusage([...pids], { maxage: PIDUSAGE_MAXAGE_MS });
  } catch (error) {
    // With one pid, pidusage rejects when it has vanished (with several, it leaves a hole).
    if (isVanished(error)) return emptySample();
    throw error;
  }
  if (!stats[rootPid]) return emptySample();
  const time = Date.now();
  let cpuPercent = 0;
  let memoryBytes = 0;
  let processCount = 0;
  for (const pid of pids) {
    const stat = stats[pid];
    if (!stat) continue;
    processCount++;
    memoryBytes += stat.memory;
    cpuPercent += cpuSince(pid, stat);
  }
  forgetStale(time);
  return { cpuPercent, memoryBytes, processCount, time };
}

function cpuSince(pid: number, stat: pidusage.Status): number {
  const previous = history.get(pid);
  history.set(pid, { ctime: stat.ctime, time: stat.timestamp });
  const elapsed = previous === undefined ? 0 : stat.timestamp - previous.time;
  // No usable mark (first sample, a reused pid, or samples in the same ms): average over its life.
  if (previous === undefined || stat.ctime < previous.ctime || elapsed <= 0) {
    return stat.elapsed > 0 ? (stat.ctime / stat.elapsed) * 100 : 0;
  }
  return ((stat.ctime - previous.ctime) / elapsed) * 100;
}

function forgetStale(now: number): void {
  for (const [pid, mark] of history) {
    if (now - mark.time > HISTORY_MAX_AGE_MS) history.delete(pid);
  }
}

function emptySample(): ProcessTreeSample {
  return { cpuPercent: 0, memoryBytes: 0, processCount: 0, time: Date.now() };
}
