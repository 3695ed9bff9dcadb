// `npm run bench`: every benchmark side by side in one run, each scenario in its own node process,
// then docs/benchmarks.md and docs/benchmarks.svg written from what was measured.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeMachine } from './lib/machine.js';
import type {
  BenchReport,
  KeeperScaleRun,
  Outcome,
  PlaneScenario,
  Pm2ScaleRun,
  ScaleRun,
  ThroughputRun,
  TimersRun,
} from './lib/results.js';
import { BENCH, killStalePm2, ROOT, runChild, sweepLeaks, TMP } from './lib/runner.js';
import type { PeerSamples } from './lib/scenario.js';
import { renderChart } from './report/chart.js';
import { renderMarkdown } from './report/markdown.js';

const THROUGHPUT_RUNS = Number(process.env.BENCH_THROUGHPUT_RUNS ?? 7);
// Other planes' scenarios (compose, swarm) need a Docker engine; BENCH_PLANES=0 skips them.
const PLANES = process.env.BENCH_PLANES !== '0';
const PLANE_TIMEOUT_MS = Number(process.env.BENCH_PLANE_TIMEOUT_MS ?? 240_000);

function step(title: string): void {
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${title}`);
}

function engineReachable(): boolean {
  try {
    execFileSync('docker', ['info', '--format', '{{.ServerVersion}}'], {
      stdio: 'ignore',
      timeout: 15_000,
    });
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  mkdirSync(TMP, { recursive: true });
  killStalePm2();
  const machine = describeMachine();
  step(`${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}`);

  step('exit detection: SIGKILL → reported (raw, gameward, PM2, respawn)');
  const exit = await runChild<PeerSamples>('scenarios/exit-detection.ts');
  step('start (call → running) and stop (call → stopped)');
  const startStop = await runChild<{ start: PeerSamples; stop: PeerSamples }>(
    'scenarios/start-stop.ts',
  );
  step('ready line written → running');
  const ready = await runChild<PeerSamples>('scenarios/ready-line.ts');

  step(`output throughput: 10^6 lines, ${THROUGHPUT_RUNS} runs per variant, alternating`);
  const throughput: Outcome<ThroughputRun>[] = [];
  for (let i = 0; i < THROUGHPUT_RUNS; i += 1) {
    for (const variant of ['raw', 'gameward', 'keeper']) {
      throughput.push(
        await runChild<ThroughputRun>('scenarios/throughput.ts', [variant], {
          gc: true,
          log: `throughput-${variant}-${i}`,
        }),
      );
    }
  }

  const scaleCount = process.env.BENCH_SCALE ?? '1000';
  step(`scale: ${scaleCount} supervised processes, start all, memory, crash storms`);
  const scale: Outcome<ScaleRun>[] = [];
  for (const variant of ['raw', 'gameward']) {
    scale.push(await runChild<ScaleRun>('scenarios/scale.ts', [variant], { gc: true }));
  }
  step(`scale: PM2 God daemon with ${process.env.BENCH_PM2_SCALE ?? scaleCount} processes`);
  const pm2Scale = await runChild<Pm2ScaleRun>('scenarios/pm2-scale.ts');

  step(`keepers: ${process.env.BENCH_KEEPER_SCALE ?? 100} kept instances, memory, adoption`);
  const keeperScale = await runChild<KeeperScaleRun>('scenarios/keeper-scale.ts');

  step('timers held by a running instance');
  const timers = await runChild<TimersRun>('scenarios/timers.ts');

  const docker = PLANES && engineReachable();
  let compose: BenchReport['compose'];
  if (!existsSync(join(ROOT, 'bench', 'compose-exit.ts'))) {
    compose = { ok: false, skipped: 'bench/compose-exit.ts is not there' };
  } else if (!PLANES) {
    compose = { ok: false, skipped: 'BENCH_PLANES=0' };
  } else if (!docker) {
    compose = { ok: false, skipped: 'no Docker engine reachable' };
  } else {
    step('compose: docker kill → crashed (bench/compose-exit.ts)');
    compose = await runChild<Record<string, unknown>>('compose-exit.ts', [], {
      timeoutMs: 240_000,
    });
  }

  const planes = await runPlaneScenarios(docker);

  killStalePm2();
  const leaked = sweepLeaks();
  const report: BenchReport = {
    machine,
    durationSeconds: Math.round((performance.now() - started) / 1000),
    exit,
    startStop,
    ready,
    throughput,
    scale,
    pm2Scale,
    keeperScale,
    timers,
    compose,
    planes,
    leaked,
  };
  writeFileSync(join(TMP, 'report.json'), JSON.stringify(report, null, 2));
  const markdown = renderMarkdown(report);
  writeFileSync(join(ROOT, 'docs', 'benchmarks.md'), markdown);
  writeFileSync(join(ROOT, 'docs', 'benchmarks.svg'), renderChart(report));
  console.log(`\n${markdown}`);
  step(`wrote docs/benchmarks.md and docs/benchmarks.svg in ${report.durationSeconds} s`);
  if (leaked.length > 0) {
    console.error(
      `bench: ${leaked.length} process(es) outlived their scenario:\n${leaked.join('\n')}`,
    );
    process.exitCode = 1;
  }
}

/**
 * The other planes' scenarios (bench/scenarios/compose-*.ts, swarm-*.ts, owned by those planes),
 * each in its own process like every scenario; one that fails is reported, never fatal.
 */
async function runPlaneScenarios(docker: boolean): Promise<PlaneScenario[]> {
  const files = readdirSync(join(BENCH, 'scenarios'))
    .filter((f) => /^(compose|swarm|remote)-.*\.ts$/.test(f))
    .sort()
    .map((f) => `scenarios/${f}`);
  const planes: PlaneScenario[] = [];
  for (const file of files) {
    if (!docker) {
      const why = PLANES ? 'no Docker engine reachable' : 'BENCH_PLANES=0';
      planes.push({ file, outcome: { ok: false, skipped: why } });
      continue;
    }
    step(`${file} (another plane's scenario)`);
    const outcome = await runChild<Record<string, unknown>>(file, [], {
      gc: true,
      timeoutMs: PLANE_TIMEOUT_MS,
    });
    planes.push({ file, outcome });
    // The compose latencies again on podman (its Docker-compatible socket), beside Docker's.
    if (file.endsWith('compose-latency.ts') && existsSync(PODMAN_SOCKET)) {
      step(`${file} on podman`);
      const onPodman = await runChild<Record<string, unknown>>(file, [], {
        gc: true,
        timeoutMs: PLANE_TIMEOUT_MS,
        log: 'compose-latency-podman',
        env: { DOCKER_HOST: `unix://${PODMAN_SOCKET}` },
      });
      planes.push({
        file: `${file} (on podman 4.3, DOCKER_HOST=unix://${PODMAN_SOCKET})`,
        outcome: onPodman,
      });
    }
  }
  return planes;
}

const PODMAN_SOCKET = '/run/podman/podman.sock';

main().catch((error: unknown) => {
  console.error(error);
  killStalePm2();
  sweepLeaks();
  process.exitCode = 1;
});
