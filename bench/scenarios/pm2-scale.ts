// PM2 at scale: COUNT `sleep` apps in one God daemon. The daemon's RSS per process (from
// /proc/<pid>/status), the time to start them all, and a storm: every one SIGKILLed at once,
// counting the bus's exit events.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Pm2 } from '../lib/peers.js';
import { now, onPath, runScenario, until } from '../lib/scenario.js';

const COUNT = Number(process.env.BENCH_PM2_SCALE ?? process.env.BENCH_SCALE ?? 1000);
const SLEEP = onPath('sleep');

function daemonPid(): number {
  return Number(readFileSync(join(process.env.PM2_HOME ?? '', 'pm2.pid'), 'utf8').trim());
}

/** Resident memory of a process, in bytes, from the kernel. */
function rssOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? Number.NaN) * 1024;
}

runScenario(async () => {
  const pm2 = await Pm2.connect();
  try {
    const god = daemonPid();
    await new Promise((r) => setTimeout(r, 1000));
    const before = rssOf(god);
    const apps = Array.from({ length: COUNT }, (_, i) => ({
      name: `scale-${i}`,
      script: SLEEP,
      args: ['1000'],
      interpreter: 'none',
      autorestart: false,
    }));
    const t0 = now();
    await pm2.start({ apps });
    const startAllMs = now() - t0;
    await new Promise((r) => setTimeout(r, 1000));
    const after = rssOf(god);
    const pids = (await pm2.list()).map((p) => p.pid ?? 0).filter((pid) => pid > 0);

    let observed = 0;
    pm2.onEvent((packet) => {
      if (packet.event === 'exit') observed += 1;
    });
    const t1 = now();
    for (const pid of pids) process.kill(pid, 'SIGKILL');
    await until(() => observed >= pids.length, 'pm2 exit events', 60_000).catch(() => undefined);
    const stormMs = now() - t1;
    await new Promise((r) => setTimeout(r, 200));
    return {
      count: COUNT,
      online: pids.length,
      startAllMs,
      daemonRssBeforeBytes: before,
      daemonRssAfterBytes: after,
      rssPerProcessBytes: (after - before) / COUNT,
      storm: { observed, durationMs: stormMs },
    };
  } finally {
    await pm2.close();
  }
});
