import type { ResourceStats } from '../supervisor.js';

const UNITS: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/**
 * Sums `docker stats --no-stream --format '{{json .}}'` over the stack's containers: CPU in
 * percent of one core, memory in bytes, and `processCount` = the containers counted.
 */
export function sumDockerStats(stdout: string, time = Date.now()): ResourceStats {
  let cpuPercent = 0;
  let memoryBytes = 0;
  let processCount = 0;
  for (const line of stdout.split('\n')) {
    if (line.trim().length === 0) continue;
    let row: { CPUPerc?: string; MemUsage?: string };
    try {
      row = JSON.parse(line) as typeof row;
    } catch {
      continue;
    }
    processCount += 1;
    cpuPercent += Number.parseFloat(row.CPUPerc ?? '0') || 0;
    memoryBytes += parseBytes(row.MemUsage?.split('/')[0] ?? '0');
  }
  return { cpuPercent, memoryBytes: Math.round(memoryBytes), processCount, time };
}

/** `1.5MiB` → 1572864; `12kB` → 12000; anything unreadable → 0. */
export function parseBytes(text: string): number {
  const match = /^\s*([\d.]+)\s*([a-zA-Z]*)\s*$/.exec(text);
  if (match === null) return 0;
  const value = Number.parseFloat(match[1] ?? '0');
  const unit = UNITS[(match[2] || 'b').toLowerCase()];
  return unit === undefined || Number.isNaN(value) ? 0 : value * unit;
}
