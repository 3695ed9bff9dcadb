// Scale: COUNT supervised `sleep` processes in this one host process (argv[2]: gameward | raw |
// execa, the last one gameward's spawn layer alone, to attribute its cost).
// Time to start them all, host heap and RSS per instance, then a storm: every one SIGKILLed at
// once, with the event-loop delay measured until every crash has been observed.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { execa } from 'execa';
import { ProcessSupervisor } from '../../src/index.js';
import { now, onPath, runScenario, until } from '../lib/scenario.js';

const COUNT = Number(process.env.BENCH_SCALE ?? 1000);
const SLEEP = onPath('sleep');
const variant = process.argv[2];

/** One supervised thing, whatever supervises it. */
interface Instance {
  pid(): number | undefined;
  start(): Promise<void>;
  onCrash(fn: () => void): void;
  dispose(): Promise<void>;
}

function gamewardInstance(i: number): Instance {
  const supervisor = new ProcessSupervisor({ id: `scale-${i}`, executable: SLEEP, args: ['1000'] });
  return {
    pid: () => supervisor.pid,
    start: () => supervisor.start(),
    onCrash: (fn) => supervisor.on('state', (next) => next.state === 'crashed' && fn()),
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
    onCrash: (fn) => child?.once('exit', fn),
    dispose: async () => {
      if (child !== undefined && child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
    },
  };
}

const EXECA_OPTIONS = { stdin: 'pipe', buffer: false, reject: false, detached: true } as const;

/** execa with the options gameward's spawn layer uses, and nothing else. */
function execaInstance(): Instance {
  let child: ReturnType<typeof execa<typeof EXECA_OPTIONS>> | undefined;
  return {
    pid: () => child?.pid,
    start: async () => {
      child = execa(SLEEP, ['1000'], EXECA_OPTIONS);
      child.stdout?.resume();
      child.stderr?.resume();
      await once(child, 'spawn');
    },
    onCrash: (fn) => child?.once('exit', fn),
    dispose: async () => {
      child?.kill('SIGKILL');
      await child;
    },
  };
}

const variants: Record<string, (i: number) => Instance> = {
  gameward: gamewardInstance,
  raw: rawInstance,
  execa: execaInstance,
};

function memory(): { heap: number; rss: number } {
  globalThis.gc?.();
  globalThis.gc?.();
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed, rss: usage.rss };
}

runScenario(async () => {
  const make = variants[variant ?? ''];
  if (make === undefined) throw new Error(`unknown variant ${variant}`);
  if (globalThis.gc === undefined) throw new Error('run with --expose-gc');
  const before = memory();
  const instances = Array.from({ length: COUNT }, (_, i) => make(i));
  try {
    const t0 = now();
    await Promise.all(instances.map((instance) => instance.start()));
    const startAllMs = now() - t0;
    // Let the spawn bursts' garbage go before measuring what the instances hold.
    await new Promise((r) => setTimeout(r, 500));
    const after = memory();

    let observed = 0;
    for (const instance of instances) instance.onCrash(() => (observed += 1));
    const histogram = monitorEventLoopDelay({ resolution: 1 });
    histogram.enable();
    const t1 = now();
    for (const instance of instances) {
      const pid = instance.pid();
      if (pid !== undefined) process.kill(pid, 'SIGKILL');
    }
    await until(() => observed >= COUNT, `${COUNT} crash events`, 60_000).catch(() => undefined);
    const stormMs = now() - t1;
    histogram.disable();
    // Give a late (duplicate) event the chance to show up before counting.
    await new Promise((r) => setTimeout(r, 200));
    return {
      variant,
      count: COUNT,
      startAllMs,
      heapPerInstanceBytes: (after.heap - before.heap) / COUNT,
      rssPerInstanceBytes: (after.rss - before.rss) / COUNT,
      storm: {
        observed,
        durationMs: stormMs,
        samples: histogram.count,
        p50Ms: histogram.percentile(50) / 1e6,
        p99Ms: histogram.percentile(99) / 1e6,
        maxMs: histogram.max / 1e6,
      },
    };
  } finally {
    await Promise.all(instances.map((instance) => instance.dispose()));
  }
});
