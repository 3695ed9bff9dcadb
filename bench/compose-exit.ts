// `npx tsx bench/compose-exit.ts`: what ComposeSupervisor costs and how fast it sees a death, on
// the real engine, printed as one JSON object (also written to $BENCH_RESULT when set).
//   - killToCrashed: from spawning `docker kill` of a selected container to the `crashed` state
//     event (median of BENCH_COMPOSE_RUNS runs, default 15; target < 100 ms);
//     exitToCrashed: from the container's FinishedAt (engine clock, same host) to that event.
//   - idle: docker CLI processes spawned while a running stack with a healthcheck sits idle for
//     BENCH_COMPOSE_IDLE_SECONDS (default 60), per minute (target 0), and the children it holds
//     (0 since the Engine API observes: bench/scenarios/compose-*.ts measure the rest).
// Uses the test fixtures (test/fixtures/compose) and the image scripts/setup-docker-engine.sh builds.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { ComposeSupervisor } from '../src/index.js';
import { liveChildren } from '../test/compose/children.js';

const RUNS = Number(process.env.BENCH_COMPOSE_RUNS ?? 15);
const IDLE_SECONDS = Number(process.env.BENCH_COMPOSE_IDLE_SECONDS ?? 60);
const FIXTURES = fileURLToPath(new URL('../test/fixtures/compose/', import.meta.url));
const token = `${process.pid}`;

function summary(values: number[]): Record<string, number> {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number =>
    sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const round = (n: number): number => Math.round(n * 10) / 10;
  return {
    runs: sorted.length,
    medianMs: round(at(0.5)),
    p95Ms: round(at(0.95)),
    minMs: round(sorted[0] ?? 0),
    maxMs: round(sorted.at(-1) ?? 0),
  };
}

function down(project: string): void {
  try {
    execFileSync('docker', ['compose', '-p', project, 'down', '-t', '0'], {
      stdio: 'ignore',
      cwd: tmpdir(),
    });
  } catch {
    // Nothing left.
  }
}

/** Live docker CLI children of this process (tsx's esbuild aside): pid → command line. */
async function children(): Promise<Map<number, string>> {
  const docker = (await liveChildren()).filter((c) => /^\S*docker /.test(c.cmdline));
  return new Map(docker.map((c) => [c.pid, c.cmdline]));
}

async function killToCrashed(): Promise<{
  killToCrashed: Record<string, number>;
  exitToCrashed: Record<string, number>;
}> {
  const project = `gwbench${token}-exit`;
  const trigger = mkdtempSync(join(tmpdir(), 'gw-bench-'));
  const supervisor = new ComposeSupervisor({
    id: project,
    cwd: FIXTURES,
    files: ['basic.yaml'],
    services: ['app'],
    env: { GW_TRIGGER_DIR: trigger },
    stopTimeoutMs: 1000,
    removeOnStop: true,
  });
  const fromKill: number[] = [];
  const fromExit: number[] = [];
  try {
    for (let run = 0; run < RUNS; run += 1) {
      await supervisor.start();
      const crashedAt = new Promise<number>((resolve) => {
        const listener = (next: { state: string }): void => {
          if (next.state !== 'crashed') return;
          supervisor.off('state', listener);
          resolve(Date.now());
        };
        supervisor.on('state', listener);
      });
      const killedAt = Date.now();
      spawn('docker', ['kill', `${project}-app-1`], { stdio: 'ignore' });
      const seen = await crashedAt;
      fromKill.push(seen - killedAt);
      const finished = execFileSync(
        'docker',
        ['inspect', '--format', '{{.State.FinishedAt}}', `${project}-app-1`],
        { encoding: 'utf8' },
      ).trim();
      const ns = /\.(\d+)Z$/.exec(finished)?.[1] ?? '0';
      const finishedMs = Date.parse(finished.replace(/\.\d+Z$/, 'Z')) + Number(`0.${ns}`) * 1000;
      fromExit.push(seen - finishedMs);
    }
  } finally {
    await supervisor[Symbol.asyncDispose]().catch(() => undefined);
    down(project);
    rmSync(trigger, { recursive: true, force: true });
  }
  return { killToCrashed: summary(fromKill), exitToCrashed: summary(fromExit) };
}

async function idleProcesses(): Promise<Record<string, unknown>> {
  const project = `gwbench${token}-idle`;
  const trigger = mkdtempSync(join(tmpdir(), 'gw-bench-'));
  writeFileSync(join(trigger, 'app-healthy'), '');
  const supervisor = new ComposeSupervisor({
    id: project,
    cwd: FIXTURES,
    files: ['health.yaml'],
    env: { GW_TRIGGER_DIR: trigger },
    stopTimeoutMs: 1000,
    removeOnStop: true,
  });
  try {
    await supervisor.start();
    const held = await children();
    const seen = new Map(held);
    const until = Date.now() + IDLE_SECONDS * 1000;
    // Sampled every 20 ms: a docker CLI run lives far longer than that.
    while (Date.now() < until) {
      for (const [pid, cmdline] of await children()) seen.set(pid, cmdline);
      await sleep(20);
    }
    const spawned = [...seen.keys()].filter((pid) => !held.has(pid));
    return {
      seconds: IDLE_SECONDS,
      heldChildren: [...held.values()].map((c) =>
        c.replace(/ [0-9a-f]{64}$/, ' <container>').replace(/--since \S+/, '--since <t>'),
      ),
      spawned: spawned.map((pid) => seen.get(pid)),
      spawnedPerMinute: (spawned.length * 60) / IDLE_SECONDS,
      state: supervisor.state.state,
    };
  } finally {
    await supervisor[Symbol.asyncDispose]().catch(() => undefined);
    down(project);
    rmSync(trigger, { recursive: true, force: true });
  }
}

const result = {
  engine: execFileSync('docker', ['version', '--format', '{{.Server.Version}}'], {
    encoding: 'utf8',
  }).trim(),
  compose: execFileSync('docker', ['compose', 'version', '--short'], { encoding: 'utf8' }).trim(),
  ...(await killToCrashed()),
  idle: await idleProcesses(),
};
const json = JSON.stringify(result, null, 2);
if (process.env.BENCH_RESULT !== undefined) writeFileSync(process.env.BENCH_RESULT, json);
console.log(json);
