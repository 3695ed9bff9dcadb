import type { ResourceStats } from '../supervisor.js';
import { delay } from '../util/abort.js';
import type { CallOptions, EngineClient } from './client.js';
import type { EngineFlavor } from './flavor.js';

interface RawStats {
  read?: string;
  cpu_stats?: CpuStats;
  precpu_stats?: CpuStats;
  memory_stats?: { usage?: number; stats?: Record<string, number> };
}
interface CpuStats {
  cpu_usage?: { total_usage?: number; percpu_usage?: number[] };
  system_cpu_usage?: number;
  online_cpus?: number;
}

/**
 * One sample of the given containers through the API (`stats?stream=false`: the engine measures
 * over about a second), summed: CPU in percent of one core, memory as the docker CLI counts it
 * (usage minus the page cache), `processCount` = the containers counted. A container gone meanwhile
 * is left out.
 */
export async function sampleContainers(
  client: EngineClient,
  ids: readonly string[],
  call: CallOptions,
  flavor: EngineFlavor = 'docker',
): Promise<ResourceStats> {
  const once = (): Promise<(RawStats | undefined)[]> =>
    Promise.all(ids.map((id) => sampleOne(client, id, call)));
  const samples = await once();
  // Podman answers at once with no previous sample (and a system CPU that is busy time only):
  // a second sample a second later gives the CPU figure.
  let later: (RawStats | undefined)[] | undefined;
  if (flavor === 'podman') {
    await delay(PODMAN_SAMPLE_GAP_MS, call.signal);
    later = await once();
  }
  let cpuPercent = 0;
  let memoryBytes = 0;
  let processCount = 0;
  samples.forEach((sample, i) => {
    const last = later === undefined ? sample : later[i];
    if (sample === undefined || last === undefined) return;
    processCount += 1;
    cpuPercent += later === undefined ? cpuPercentOf(sample) : cpuPercentBetween(sample, last);
    memoryBytes += memoryOf(last);
  });
  return { cpuPercent, memoryBytes, processCount, time: Date.now() };
}

const PODMAN_SAMPLE_GAP_MS = 1000;

function sampleOne(
  client: EngineClient,
  id: string,
  call: CallOptions,
): Promise<RawStats | undefined> {
  const path = `/containers/${encodeURIComponent(id)}/stats`;
  return client.json<RawStats>('GET', path, { stream: false }, call).catch((error: unknown) => {
    if ((error as { kind?: unknown }).kind === 'not-found') return undefined;
    throw error;
  });
}

/**
 * CPU in percent of one core between two samples of one container: its CPU time delta over the
 * wall time between their `read` stamps. Right on both engines (podman's system CPU is not
 * Docker's).
 */
export function cpuPercentBetween(prev: RawStats, cur: RawStats): number {
  const used =
    (cur.cpu_stats?.cpu_usage?.total_usage ?? 0) - (prev.cpu_stats?.cpu_usage?.total_usage ?? 0);
  const wallNs = (Date.parse(cur.read ?? '') - Date.parse(prev.read ?? '')) * 1e6;
  if (!(used > 0) || !(wallNs > 0)) return 0;
  return (used / wallNs) * 100;
}

/** The docker CLI's formula: container CPU delta over system CPU delta, times the CPUs. */
export function cpuPercentOf(sample: RawStats): number {
  const cpu = sample.cpu_stats;
  const pre = sample.precpu_stats;
  const used = (cpu?.cpu_usage?.total_usage ?? 0) - (pre?.cpu_usage?.total_usage ?? 0);
  const system = (cpu?.system_cpu_usage ?? 0) - (pre?.system_cpu_usage ?? 0);
  const cpus = cpu?.online_cpus ?? cpu?.cpu_usage?.percpu_usage?.length ?? 1;
  if (used <= 0 || system <= 0) return 0;
  return (used / system) * cpus * 100;
}

/** Usage minus the inactive page cache (cgroup v2 `inactive_file`, v1 `total_inactive_file`). */
export function memoryOf(sample: RawStats): number {
  const memory = sample.memory_stats;
  const usage = memory?.usage ?? 0;
  const stats = memory?.stats ?? {};
  const cache = stats.inactive_file ?? stats.total_inactive_file ?? 0;
  return Math.max(0, usage - (cache < usage ? cache : 0));
}
