// Scale: COUNT supervised `sleep` processes in this one host process (argv[2]: gameward | raw,
// the latter a bare node:child_process child with the same pipes, read and discarded).
// Time to start them all, host heap and RSS per instance, then a storm: every one SIGKILLed at
// once, with the event-loop delay measured until every crash has been observed.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { ProcessSupervisor } from '../../src/index.js';
import { now, onPath, runScenario, until } from '../lib/scenario.js';

const COUNT = Number(process.env.BENCH_SCALE ?? 1000);
const SLEEP = onPath('sleep');
const KILL = onPath('kill');
const variant = process.argv[2];

/** One supervised thing, whatever supervises it. */
interface Instance {
  pid(): number | undefined;
  start(): Promise<void>;
  /** Calls `fn` once when the current process dies; returns the unsubscribe. */
  onCrash(fn: () => void): () => void;
  dispose(): Promise<void>;
}

function gamewardInstance(i: number): Instance {
  const supervisor = new ProcessSupervisor({ id: `scale-${i}`, executable: SLEEP, args: ['1000'] });
  return {
    pid: () => supervisor.pid,
    start: () => supervisor.start(),
    onCrash: (fn) => {
      const listener = (next: { state: string }): void => {
        if (next.state === 'crashed') fn();
      };
      supervisor.on('state', listener);
      return () => supervisor.off('state', listener);
    },
    dispose: () => supervisor[Symbol.asyncDispose](),
  };
}

function rawInstance(): Instance {
  let child: ChildProcess | undefined;
  return {
    pid: () => child?.pid,
    start: async () => {
      child = spawn(SLEEP, ['1000'], { stdio: 'pipe' });
      child.stdout?.resume();
      child.stderr?.resume();
      await once(child, 'spawn');
    },
    onCrash: (fn) => {
      child?.once('exit', fn);
      return () => child?.off('exit', fn);
    },
    dispose: async () => {
      if (child !== undefined && child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
    },
  };
}

const variants: Record<string, (i: number) => Instance> = {
  gameward: gamewardInstance,
  raw: rawInstance,
};

function memory(): { heap: number; rss: number } {
  globalThis.gc?.();
  globalThis.gc?.();
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed, rss: usage.rss };
}

const STORMS = Number(process.env.BENCH_STORMS ?? 5);

/**
 * SIGKILLs every instance at once, from outside (one `kill` process, as the OOM killer or an
 * operator would: 1000 kill syscalls in this process would block its own loop for tens of ms and
 * be counted against the supervisor), and samples the loop's delay until every crash is seen.
 */
async function storm(instances: Instance[]) {
  let observed = 0;
  const unsubscribe = instances.map((instance) => instance.onCrash(() => (observed += 1)));
  const pids = instances.flatMap((instance) => instance.pid() ?? []);
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  const t0 = now();
  const killer = spawn(KILL, ['-KILL', ...pids.map(String)], { stdio: 'ignore' });
  await until(() => observed >= COUNT, `${COUNT} crash events`, 60_000).catch(() => undefined);
  const durationMs = now() - t0;
  histogram.disable();
  // Give a late (duplicate) event the chance to show up before counting.
  await new Promise((r) => setTimeout(r, 200));
  for (const off of unsubscribe) off();
  if (killer.exitCode === null) await once(killer, 'exit');
  return {
    observed,
    durationMs,
    samples: histogram.count,
    p50Ms: histogram.percentile(50) / 1e6,
    p99Ms: histogram.percentile(99) / 1e6,
    maxMs: histogram.max / 1e6,
  };
}

runScenario(async () => {
  const make = variants[variant ?? ''];
  if (make === undefined) throw new Error(`unknown variant ${variant}`);
  if (globalThis.gc === undefined) throw new Error('run with --expose-gc');
  const before = memory();
  const instances = Array.from({ length: COUNT }, (_, i) => make(i));
  const startAll = async (): Promise<number> => {
    const t0 = now();
    await Promise.all(instances.map((instance) => instance.start()));
    return now() - t0;
  };
  try {
    const startAllMs = await startAll();
    // Let the spawn bursts' garbage go before measuring what the instances hold.
    await new Promise((r) => setTimeout(r, 500));
    const after = memory();
    const storms = [await storm(instances)];
    while (storms.length < STORMS) {
      await startAll();
      storms.push(await storm(instances));
    }
    // The storm reported is the median one by its worst delay; all of them are kept.
    const sorted = [...storms].sort((a, b) => a.maxMs - b.maxMs);
    return {
      variant,
      count: COUNT,
      startAllMs,
      heapPerInstanceBytes: (after.heap - before.heap) / COUNT,
      rssPerInstanceBytes: (after.rss - before.rss) / COUNT,
      storm: sorted[Math.floor((sorted.length - 1) / 2)],
      storms,
    };
  } finally {
    await Promise.all(instances.map((instance) => instance.dispose()));
  }
});
