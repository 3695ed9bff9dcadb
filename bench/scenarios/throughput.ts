// Output capture: a child writes LINES lines as fast as the pipe takes them. One variant per
// process (argv[2]: raw | gameward | keeper), so each peak RSS is that variant's own. `keeper` is
// gameward with a `stateDir`: the server writes into the keeper's FIFOs and segment files, which
// the host reads.
import { ProcessSupervisor } from '../../src/index.js';
import { removeStateDir, stateDir } from '../lib/gameward.js';
import { FLOOD, now, rawSpawn, runScenario } from '../lib/scenario.js';

const LINES = Number(process.env.BENCH_LINES ?? 1_000_000);
const NODE = process.execPath;
const variant = process.argv[2];

/** Lines received, and the time from the spawn call to the last one. */
interface Run {
  lines: number;
  elapsedMs: number;
}

/** The baseline: read the pipe, split it into line strings, keep the last one. */
async function raw(): Promise<Run> {
  const t0 = now();
  let lastAt = t0;
  const child = rawSpawn(NODE, [FLOOD, String(LINES)]);
  let lines = 0;
  let carry = '';
  let last = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    const parts = (carry + chunk).split('\n');
    carry = parts.pop() ?? '';
    lines += parts.length;
    last = parts.at(-1) ?? last;
    lastAt = now();
  });
  await new Promise((resolve) => child.once('close', resolve));
  if (last === '') throw new Error('no output');
  return { lines, elapsedMs: lastAt - t0 };
}

/** gameward with its defaults: every line an `output` event and in the replay ring. */
async function gameward(dir?: string): Promise<Run> {
  const supervisor = new ProcessSupervisor({
    id: 'bench-flood',
    executable: NODE,
    args: [FLOOD, String(LINES)],
    ...(dir === undefined ? {} : { stateDir: dir, outputCapBytes: 256 * 1024 * 1024 }),
  });
  let lines = 0;
  let lastAt = 0;
  // The clock is read once, at the last line: a per-line now() would be the bench's cost.
  supervisor.on('output', () => {
    lines += 1;
    if (lines === LINES) lastAt = now();
  });
  try {
    const t0 = now();
    const exited = supervisor.waitFor((s) => s.state === 'crashed' || s.state === 'stopped');
    await supervisor.start();
    await exited;
    // Lines still in the pipe when the exit is seen arrive just after it.
    const deadline = Date.now() + 5000;
    while (lines < LINES && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    return { lines, elapsedMs: (lines === LINES ? lastAt : now()) - t0 };
  } finally {
    await supervisor[Symbol.asyncDispose]();
  }
}

async function kept(): Promise<Run> {
  const dir = stateDir('flood');
  try {
    return await gameward(dir);
  } finally {
    removeStateDir(dir);
  }
}

const variants: Record<string, () => Promise<Run>> = {
  raw,
  gameward: () => gameward(),
  keeper: kept,
};

runScenario(async () => {
  const run = variants[variant ?? ''];
  if (run === undefined) throw new Error(`unknown variant ${variant}`);
  globalThis.gc?.();
  const baselineRssBytes = process.memoryUsage().rss;
  const cpu = process.cpuUsage();
  const { lines, elapsedMs } = await run();
  const used = process.cpuUsage(cpu);
  return {
    variant,
    lines,
    expected: LINES,
    elapsedMs,
    linesPerSecond: (lines / elapsedMs) * 1000,
    // The host's own CPU time (user + system) for the whole run, start and stop included.
    hostCpuMs: (used.user + used.system) / 1000,
    baselineRssBytes,
    // maxRSS is in KiB: the peak of this whole process, whose only job was this one run.
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  };
});
