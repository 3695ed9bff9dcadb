import type { ResourceStats } from '../supervisor.js';
import type { CallOptions, EngineClient } from './client.js';

interface RawStats {
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
): Promise<ResourceStats> {
  const samples = await Promise.all(
    ids.map((id) =>
      client
        .json<RawStats>(
          'GET',
          `/containers/${encodeURIComponent(id)}/stats`,
          { stream: false },
          call,
        )
        .catch((error: unknown) => {
          if ((error as { kind?: unknown }).kind === 'not-found') return undefined;
          throw error;
        }),
    ),
  );
  let cpuPercent = 0;
  let memoryBytes = 0;
  let processCount = 0;
  for (const sample of samples) {
    if (sample === undefined) continue;
    processCount += 1;
    cpuPercent += cpuPercentOf(sample);
    memoryBytes += memoryOf(sample);
  }
  return { cpuPercent, memoryBytes, processCount, time: Date.now() };
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
