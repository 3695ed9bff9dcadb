// Start (call → running) with `sleep`, and stop (call → stopped) of a server honouring SIGTERM;
// gameward both as the server's parent and with a keeper (`stateDir`) in between.
import { type ChildProcess, spawn } from 'node:child_process';
import { ProcessSupervisor } from '../../src/index.js';
import { removeStateDir, stateDir, stateReached } from '../lib/gameward.js';
import { Pm2, type RespawnMonitor, respawn } from '../lib/peers.js';
import {
  exited,
  interleave,
  now,
  onPath,
  rawSpawn,
  runScenario,
  SERVER,
  stamp,
} from '../lib/scenario.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30);
const SLEEP = onPath('sleep');
const NODE = process.execPath;

/** Resolves once `child` has printed its ready line. */
function readyLine(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    let seen = '';
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString();
      if (!seen.includes('READY')) return;
      child.stdout?.off('data', onData);
      child.stdout?.resume();
      resolve();
    };
    child.stdout?.on('data', onData);
  });
}

function respawnStopped(monitor: RespawnMonitor): Promise<number> {
  return new Promise((resolve) => monitor.stop(() => resolve(now())));
}

runScenario(async () => {
  const sleeper = new ProcessSupervisor({ id: 'bench-start', executable: SLEEP, args: ['1000'] });
  const server = new ProcessSupervisor({
    id: 'bench-stop',
    executable: NODE,
    args: [SERVER],
    readiness: { pattern: 'READY' },
  });
  const keptDir = stateDir('start');
  const keptSleeper = new ProcessSupervisor({
    id: 'bench-start-kept',
    executable: SLEEP,
    args: ['1000'],
    stateDir: keptDir,
  });
  const keptServer = new ProcessSupervisor({
    id: 'bench-stop-kept',
    executable: NODE,
    args: [SERVER],
    readiness: { pattern: 'READY' },
    stateDir: keptDir,
  });
  let pm2: Pm2 | undefined;
  try {
    const start = await interleave(ROUNDS, {
      'child_process (raw)': async () => {
        const t0 = now();
        const child = spawn(SLEEP, ['1000'], { stdio: 'pipe' });
        const t1 = await stamp(child, 'spawn');
        child.kill('SIGKILL');
        await exited(child);
        return t1 - t0;
      },
      gameward: async () => {
        const running = stateReached(sleeper, 'running');
        const t0 = now();
        await sleeper.start();
        const t1 = await running;
        await sleeper.kill();
        return t1 - t0;
      },
      'gameward (keeper)': async () => {
        const running = stateReached(keptSleeper, 'running');
        const t0 = now();
        await keptSleeper.start();
        const t1 = await running;
        await keptSleeper.kill();
        return t1 - t0;
      },
      pm2: async () => {
        pm2 ??= await Pm2.connect();
        const t0 = now();
        await pm2.start({
          name: 'bench-start',
          script: SLEEP,
          args: ['1000'],
          interpreter: 'none',
        });
        const t1 = now();
        await pm2.delete('bench-start');
        return t1 - t0;
      },
      respawn: async () => {
        const monitor = respawn([SLEEP, '1000'], { maxRestarts: 0 });
        const t0 = now();
        monitor.start();
        const child = monitor.child;
        if (child === null) throw new Error('respawn did not spawn');
        const t1 = await stamp(child, 'spawn');
        await respawnStopped(monitor);
        return t1 - t0;
      },
    });

    const stop = await interleave(ROUNDS, {
      'child_process (raw)': async () => {
        const child = rawSpawn(NODE, [SERVER]);
        await readyLine(child);
        const exit = stamp(child, 'exit');
        const t0 = now();
        child.kill('SIGTERM');
        return (await exit) - t0;
      },
      gameward: async () => {
        await server.start();
        const stopped = stateReached(server, 'stopped');
        const t0 = now();
        await server.stop();
        return (await stopped) - t0;
      },
      'gameward (keeper)': async () => {
        await keptServer.start();
        const stopped = stateReached(keptServer, 'stopped');
        const t0 = now();
        await keptServer.stop();
        return (await stopped) - t0;
      },
      pm2: async () => {
        pm2 ??= await Pm2.connect();
        await pm2.start({
          name: 'bench-stop',
          script: SERVER,
          wait_ready: true,
          autorestart: false,
        });
        const t0 = now();
        await pm2.stop('bench-stop');
        const t1 = now();
        await pm2.delete('bench-stop');
        return t1 - t0;
      },
      respawn: async () => {
        const monitor = respawn([NODE, SERVER], { maxRestarts: 0 });
        const ready = new Promise<void>((resolve) => {
          const onOut = (data: Buffer): void => {
            if (!data.toString().includes('READY')) return;
            monitor.off('stdout', onOut);
            resolve();
          };
          monitor.on('stdout', onOut);
        });
        monitor.start();
        await ready;
        const t0 = now();
        return (await respawnStopped(monitor)) - t0;
      },
    });
    return { start, stop };
  } finally {
    await sleeper[Symbol.asyncDispose]();
    await server[Symbol.asyncDispose]();
    await keptSleeper[Symbol.asyncDispose]();
    await keptServer[Symbol.asyncDispose]();
    removeStateDir(keptDir);
    await pm2?.close();
  }
});
