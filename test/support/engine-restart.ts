import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout } from 'node:timers/promises';
import { promisify } from 'node:util';

// Restarting this machine's Docker engine, for the tests that prove a plane survives it. Only
// the serial group runs them (vitest.serial.config.ts), last, with GAMEWARD_ENGINE_RESTART=1.

const run = promisify(execFile);

/** Stops dockerd (SIGTERM, as a service manager does) and waits until it is gone. */
export async function stopEngine(): Promise<void> {
  const pid = Number(readFileSync('/var/run/docker.pid', 'utf8').trim());
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 600; i += 1) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await setTimeout(50);
  }
  throw new Error('dockerd did not stop within 30 s');
}

/**
 * Starts dockerd as scripts/setup-docker-engine.sh does, and waits until it answers. With a clean
 * environment: the engine outlives this run, so it must not carry the run's leak marker.
 */
export async function startEngine(): Promise<void> {
  await run('env', [
    '-i',
    `PATH=${process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'}`,
    'sh',
    '-c',
    'setsid nohup dockerd >>/tmp/dockerd.log 2>&1 </dev/null &',
  ]);
  for (let i = 0; i < 600; i += 1) {
    try {
      await run('docker', ['info'], { timeout: 5000 });
      return;
    } catch {
      await setTimeout(100);
    }
  }
  throw new Error('dockerd did not come back within 60 s; see /tmp/dockerd.log');
}
