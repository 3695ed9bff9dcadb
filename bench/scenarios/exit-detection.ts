// Exit detection: from process.kill(pid, 'SIGKILL') to each supervisor's report of the death;
// gameward both as the server's parent and with a keeper (`stateDir`) in between.
import { once } from 'node:events';
import { ProcessSupervisor } from '../../src/index.js';
import { removeStateDir, stateDir, stateReached } from '../lib/gameward.js';
import { Pm2, type RespawnMonitor, respawn } from '../lib/peers.js';
import { interleave, now, onPath, rawSpawn, runScenario, settle, stamp } from '../lib/scenario.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 40);
const SLEEP = onPath('sleep');

// Every peer's server has run this long before the kill, so what a start leaves for the next
// loop turns (reading the pipes, a supervisor's bookkeeping) is not counted as exit detection.
const RUN_MS = 10;

async function killNow(pid: number | undefined): Promise<number> {
  if (pid === undefined) throw new Error('no pid');
  await settle(RUN_MS);
  const t0 = now();
  process.kill(pid, 'SIGKILL');
  return t0;
}

runScenario(async () => {
  const supervisor = new ProcessSupervisor({ id: 'bench-exit', executable: SLEEP, args: ['1000'] });
  const keptDir = stateDir('exit');
  const kept = new ProcessSupervisor({
    id: 'bench-exit-kept',
    executable: SLEEP,
    args: ['1000'],
    stateDir: keptDir,
  });
  let pm2: Pm2 | undefined;
  let pm2Started = false;
  let monitor: RespawnMonitor | undefined;
  try {
    const result = await interleave(ROUNDS, {
      'child_process (raw)': async () => {
        const child = rawSpawn(SLEEP, ['1000']);
        await once(child, 'spawn');
        const exit = stamp(child, 'exit');
        const t0 = await killNow(child.pid);
        return (await exit) - t0;
      },
      gameward: async () => {
        await supervisor.start();
        const crashed = stateReached(supervisor, 'crashed');
        const t0 = await killNow(supervisor.pid);
        return (await crashed) - t0;
      },
      'gameward (keeper)': async () => {
        await kept.start();
        const crashed = stateReached(kept, 'crashed');
        const t0 = await killNow(kept.pid);
        return (await crashed) - t0;
      },
      pm2: async () => {
        pm2 ??= await Pm2.connect();
        const name = 'bench-exit';
        if (pm2Started) {
          await pm2.restart(name);
        } else {
          await pm2.start({
            name,
            script: SLEEP,
            args: ['1000'],
            interpreter: 'none',
            autorestart: false,
          });
          pm2Started = true;
        }
        const pid = await pm2.pid(name);
        const exit = pm2.nextEvent(name, 'exit');
        const t0 = await killNow(pid);
        return (await exit) - t0;
      },
      respawn: async () => {
        monitor ??= respawn([SLEEP, '1000'], { maxRestarts: 0, kill: 1000 });
        monitor.start();
        const child = monitor.child;
        if (child === null) throw new Error('respawn did not spawn');
        await once(child, 'spawn');
        const crash = stamp(monitor, 'crash');
        const t0 = await killNow(child.pid);
        return (await crash) - t0;
      },
    });
    return result;
  } finally {
    await supervisor[Symbol.asyncDispose]();
    await kept[Symbol.asyncDispose]();
    removeStateDir(keptDir);
    monitor?.stop();
    if (pm2 !== undefined) {
      await pm2.delete('bench-exit').catch(() => undefined);
      await pm2.close();
    }
  }
});
