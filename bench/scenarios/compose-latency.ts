// Compose latency, side by side with the raw CLI on the same stacks, interleaved:
//   start:   ComposeSupervisor.start() (call → running)  vs `docker compose up -d --wait`
//   stop:    ComposeSupervisor.stop()  (call → stopped)  vs `docker compose stop -t 1`
//   refresh: ComposeSupervisor.refresh() of a running stack (one list + inspect)
//   kill → crashed: `docker kill` spawned → the `crashed` state event
// For 1- and 2-service stacks (BENCH_COMPOSE_ROUNDS rounds each, default 10). Needs the engine,
// the compose plugin and gameward-test-busybox:latest (scripts/setup-docker-engine.sh).
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ComposeSupervisor } from '../../src/index.js';
import { stateReached } from '../lib/gameward.js';
import { interleave, now, runScenario } from '../lib/scenario.js';

const ROUNDS = Number(process.env.BENCH_COMPOSE_ROUNDS ?? 10);
const run = promisify(execFile);

/** A stack of `services` idle busybox services (`sleep`, no healthcheck), in a temporary folder. */
function writeStack(services: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'gw-bench-compose-'));
  const body = Array.from(
    { length: services },
    (_, i) => `  s${i}:
    image: gameward-test-busybox:latest
    pull_policy: never
    command: ["sh", "-c", "trap 'exit 0' TERM; echo ready; sleep 100000 & wait"]
`,
  ).join('');
  writeFileSync(join(dir, 'compose.yaml'), `services:\n${body}`);
  return dir;
}

async function cli(project: string, dir: string, ...args: string[]): Promise<void> {
  await run('docker', ['compose', '-p', project, ...args], { cwd: dir });
}

async function measureStack(services: number): Promise<Record<string, unknown>> {
  const dir = writeStack(services);
  const tag = `${process.pid}-${services}`;
  const raw = `gwbenchraw${tag}`;
  const supervisor = new ComposeSupervisor({
    id: `gwbench${tag}`,
    cwd: dir,
    stopTimeoutMs: 1000,
    // kill → crashed is measured; a restart racing the next round's start() is not.
    autoRestart: { enabled: false },
    restartDelayMs: 0,
  });
  try {
    const start = await interleave(ROUNDS, {
      'docker compose up -d --wait': async () => {
        const t0 = now();
        await cli(raw, dir, 'up', '-d', '--wait');
        const ms = now() - t0;
        await cli(raw, dir, 'stop', '-t', '1');
        return ms;
      },
      gameward: async () => {
        const t0 = now();
        await supervisor.start();
        const ms = now() - t0;
        await supervisor.stop();
        return ms;
      },
    });
    const stop = await interleave(ROUNDS, {
      'docker compose stop': async () => {
        await cli(raw, dir, 'up', '-d', '--wait');
        const t0 = now();
        await cli(raw, dir, 'stop', '-t', '1');
        return now() - t0;
      },
      gameward: async () => {
        await supervisor.start();
        const t0 = now();
        await supervisor.stop();
        return now() - t0;
      },
    });
    await supervisor.start();
    const refresh = await interleave(ROUNDS * 5, {
      gameward: async () => {
        const t0 = now();
        await supervisor.refresh();
        return now() - t0;
      },
      'docker compose ps': async () => {
        const t0 = now();
        await cli(`gwbench${tag}`, dir, 'ps', '--all', '--format', 'json');
        return now() - t0;
      },
    });
    const killed = await interleave(ROUNDS, {
      gameward: async () => {
        if (supervisor.state.state !== 'running') await supervisor.start();
        const crashed = stateReached(supervisor, 'crashed');
        const t0 = now();
        spawn('docker', ['kill', `gwbench${tag}-s0-1`], { stdio: 'ignore' });
        const ms = (await crashed) - t0;
        await supervisor.stop().catch(() => undefined);
        return ms;
      },
    });
    return { services, start, stop, refresh, killToCrashed: killed };
  } finally {
    await supervisor[Symbol.asyncDispose]().catch(() => undefined);
    await cli(`gwbench${tag}`, dir, 'down', '-t', '0').catch(() => undefined);
    await cli(raw, dir, 'down', '-t', '0').catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

runScenario(async () => ({
  one: await measureStack(1),
  two: await measureStack(2),
}));
