// Kept instances at scale: BENCH_KEEPER_SCALE (default 100) servers, each under its own keeper
// (`stateDir`). What the keepers cost (RSS and PSS, the keeper's dash alone and with its helpers,
// from /proc), then a new host adopting every one of them through ProcessSupervisor.refresh().
import { readdirSync, readFileSync } from 'node:fs';
import { ProcessSupervisor } from '../../src/index.js';
import { removeStateDir, stateDir } from '../lib/gameward.js';
import { now, onPath, runScenario } from '../lib/scenario.js';
import { percentile } from '../lib/stats.js';

const COUNT = Number(process.env.BENCH_KEEPER_SCALE ?? 100);
const SH = onPath('sh');
const STOP_BATCH = 10;
// One line on each stream, as a game server prints: each stream's `split` then holds a `cat`.
const SERVER_SCRIPT = 'echo READY; echo warming >&2; exec sleep 1000';

/** A /proc figure in bytes: `VmRSS` from status, or `Pss` from smaps_rollup. */
function kib(pid: number, file: 'status' | 'smaps_rollup', key: string): number {
  const text = readFileSync(`/proc/${pid}/${file}`, 'utf8');
  const match = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
  if (match?.[1] === undefined) throw new Error(`no ${key} in /proc/${pid}/${file}`);
  return Number(match[1]) * 1024;
}

interface Proc {
  pid: number;
  ppid: number;
  comm: string;
  cmdline: string;
}

function processes(): Proc[] {
  const found: Proc[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      const close = stat.lastIndexOf(')');
      const ppid = Number(stat.slice(close + 2).split(' ')[1]);
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'latin1').replaceAll('\0', ' ');
      found.push({ pid, ppid, comm, cmdline });
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

/** Each instance's keeper and its helpers (split, and the `cat` each split's filter runs). */
function keeperTrees(dir: string): { keeper: Proc; helpers: Proc[] }[] {
  const all = processes();
  const keepers = all.filter(
    (p) => p.cmdline.includes(`${dir}/`) && p.cmdline.includes('keeper.sh'),
  );
  const childrenOf = (pid: number): Proc[] =>
    all.filter((p) => p.ppid === pid).flatMap((p) => [p, ...childrenOf(p.pid)]);
  return keepers.map((keeper) => ({
    keeper,
    // The server is the keeper's child too, in its own session: not the keeper's cost.
    helpers: childrenOf(keeper.pid).filter((p) => p.comm !== 'sleep'),
  }));
}

const median = (values: number[]): number =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  );

runScenario(async () => {
  const dir = stateDir('keepers');
  const config = (i: number) => ({
    id: `kept-${i}`,
    executable: SH,
    args: ['-c', SERVER_SCRIPT],
    readiness: { pattern: 'READY' },
    stateDir: dir,
  });
  // The first host leaves its servers running when it goes, as an agent being upgraded does.
  const first = Array.from(
    { length: COUNT },
    (_, i) => new ProcessSupervisor({ ...config(i), stopOnDispose: false }),
  );
  let next: ProcessSupervisor[] = [];
  try {
    const t0 = now();
    await Promise.all(first.map((s) => s.start()));
    const startAllMs = now() - t0;
    // Let every split start its cat for the lines already printed.
    await new Promise((r) => setTimeout(r, 500));
    const trees = keeperTrees(dir);
    if (trees.length !== COUNT) throw new Error(`found ${trees.length} keepers of ${COUNT}`);
    const rss = (p: Proc) => kib(p.pid, 'status', 'VmRSS');
    const pss = (p: Proc) => kib(p.pid, 'smaps_rollup', 'Pss');
    const keeperRss = trees.map((t) => rss(t.keeper));
    const treeRss = trees.map((t) => rss(t.keeper) + t.helpers.reduce((n, p) => n + rss(p), 0));
    const treePss = trees.map((t) => pss(t.keeper) + t.helpers.reduce((n, p) => n + pss(p), 0));
    const helperNames = [...new Set(trees.flatMap((t) => t.helpers.map((p) => p.comm)))].sort();
    const helpersPerInstance = median(trees.map((t) => t.helpers.length));
    const pids = first.map((s) => s.pid);
    await Promise.all(first.map((s) => s.close()));

    // A new host: the same ids and stateDir, adopting through refresh().
    next = Array.from({ length: COUNT }, (_, i) => new ProcessSupervisor(config(i)));
    const t1 = now();
    const states = await Promise.all(next.map((s) => s.refresh()));
    const adoptAllMs = now() - t1;
    const adopted = states.filter((s, i) => s.state === 'running' && next[i]?.pid === pids[i]);
    // Ten at a time: each stop reads the whole process table (100 at once ran out of fds).
    const t2 = now();
    for (let i = 0; i < next.length; i += STOP_BATCH) {
      await Promise.all(next.slice(i, i + STOP_BATCH).map((s) => s.stop()));
    }
    const stopAllMs = now() - t2;
    return {
      count: COUNT,
      startAllMs,
      keeperRssBytes: median(keeperRss),
      treeRssBytes: median(treeRss),
      treePssBytes: treePss.reduce((a, b) => a + b, 0) / COUNT,
      helpersPerInstance,
      helperNames,
      adopted: adopted.length,
      adoptAllMs,
      stopAllMs,
      left: keeperTrees(dir).length,
    };
  } finally {
    for (const s of [...first, ...next]) await s.kill().catch(() => undefined);
    await Promise.all(next.map((s) => s.close()));
    removeStateDir(dir);
  }
});
