// "A running instance holds no timer": the host's active handles while instances run and idle,
// from process.getActiveResourcesInfo(), minus what the host held before.
import { ProcessSupervisor, type ProcessSupervisorConfig } from '../../src/index.js';
import { onPath, runScenario, SERVER } from '../lib/scenario.js';

const IDLE_MS = 1000;
const SLEEP = onPath('sleep');

/** Resource types and counts, as "ProcessWrap ×1". */
function count(resources: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of resources) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}

/** What `now` holds beyond `base`, per type. */
function added(base: string[], now: string[]): Record<string, number> {
  const before = count(base);
  const result: Record<string, number> = {};
  for (const [type, n] of Object.entries(count(now))) {
    const extra = n - (before[type] ?? 0);
    if (extra > 0) result[type] = extra;
  }
  return result;
}

const idle = (): Promise<void> => new Promise((r) => setTimeout(r, IDLE_MS));

async function measure(name: string, config: ProcessSupervisorConfig) {
  await idle();
  const base = process.getActiveResourcesInfo();
  const supervisor = new ProcessSupervisor(config);
  try {
    await supervisor.start();
    await idle();
    const running = added(base, process.getActiveResourcesInfo());
    await supervisor.stop();
    await idle();
    const stopped = added(base, process.getActiveResourcesInfo());
    return { name, running, stopped };
  } finally {
    await supervisor[Symbol.asyncDispose]();
  }
}

runScenario(async () => ({
  idleMs: IDLE_MS,
  cases: [
    await measure('sleep, defaults', { id: 'timers-plain', executable: SLEEP, args: ['1000'] }),
    await measure('server with readiness, stopCommand and autoRestart', {
      id: 'timers-full',
      executable: process.execPath,
      args: [SERVER],
      readiness: { pattern: 'READY', timeoutMs: 60_000 },
      stopCommand: 'quit',
      autoRestart: { enabled: true },
    }),
  ],
}));
