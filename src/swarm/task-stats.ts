import type { ResourceStats } from '../supervisor.js';
import type { ManagerApi } from './engine.js';
import { isUp, type TaskRecord } from './records.js';

interface CpuStats {
  cpu_usage?: { total_usage?: number; percpu_usage?: number[] };
  system_cpu_usage?: number;
  online_cpus?: number;
}
interface ContainerStats {
  cpu_stats?: CpuStats;
  precpu_stats?: CpuStats;
  memory_stats?: { usage?: number; stats?: Record<string, number> };
}

/**
 * What the manager can report about a stack's replicas. `processCount` counts the replicas up on
 * every node. CPU and memory come from container stats, which only a node's own engine has: the
 * manager's engine answers for the replicas on the manager's node, and the replicas on other
 * nodes add nothing to `cpuPercent` and `memoryBytes` (swarm has no cluster-wide stats API).
 */
export async function sampleTasks(
  api: ManagerApi,
  managerNodeId: string | undefined,
  tasks: readonly TaskRecord[],
): Promise<ResourceStats> {
  const up = tasks.filter(isUp);
  const local = up.filter((t) => t.nodeId === managerNodeId && t.containerId !== undefined);
  const samples = await Promise.all(
    local.map((t) =>
      api
        .request<ContainerStats>('GET', `/containers/${t.containerId}/stats`, { stream: false })
        // A replica that ended between the task list and the sample adds nothing.
        .catch(() => undefined),
    ),
  );
  let cpuPercent = 0;
  let memoryBytes = 0;
  for (const sample of samples) {
    if (sample === undefined) continue;
    cpuPercent += cpuOf(sample);
    memoryBytes += memoryOf(sample);
  }
  return { cpuPercent, memoryBytes, processCount: up.length, time: Date.now() };
}

/** CPU in percent of one core between the sample's two readings (as `docker stats` computes it). */
function cpuOf(sample: ContainerStats): number {
  const cpu = sample.cpu_stats;
  const pre = sample.precpu_stats;
  const used = (cpu?.cpu_usage?.total_usage ?? 0) - (pre?.cpu_usage?.total_usage ?? 0);
  const system = (cpu?.system_cpu_usage ?? 0) - (pre?.system_cpu_usage ?? 0);
  const cores = cpu?.online_cpus ?? cpu?.cpu_usage?.percpu_usage?.length ?? 1;
  return used > 0 && system > 0 ? (used / system) * cores * 100 : 0;
}

/** Memory in use without the page cache (cgroup v1 `cache`, v2 `inactive_file`). */
function memoryOf(sample: ContainerStats): number {
  const usage = sample.memory_stats?.usage ?? 0;
  const stats = sample.memory_stats?.stats ?? {};
  const cache = stats.inactive_file ?? stats.total_inactive_file ?? stats.cache ?? 0;
  return Math.max(0, usage - cache);
}
