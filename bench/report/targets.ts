import type { BenchReport, ScaleRun, ThroughputRun } from '../lib/results.js';
import { bytes, KEPT, median, ms, RAW, ratio, summaries } from './format.js';

/** One target of the issues (14: the process plane; 12: the keeper), checked against this run. */
export interface TargetCheck {
  readonly id: string;
  readonly target: string;
  readonly measured: string;
  /** undefined: not measured in this run (a peer or scenario failed). */
  readonly met: boolean | undefined;
}

function check(id: string, target: string, measured: string, met: boolean | undefined) {
  return { id, target, measured, met };
}

const okValues = <T>(outcomes: { ok: boolean; value?: T }[]): T[] =>
  outcomes.flatMap((o) => (o.ok && o.value !== undefined ? [o.value] : []));

const known = (x: number): true | undefined => (Number.isFinite(x) ? true : undefined);

/** `a` against `b` as "1.12× (3.1 ms vs 2.8 ms)". */
const versus = (a: number, b: number): string => `${ratio(a / b)} (${ms(a)} vs ${ms(b)})`;

export function checkTargets(report: BenchReport): TargetCheck[] {
  return [
    ...latencyTargets(report),
    ...throughputTargets(report),
    ...scaleTargets(report),
    ...keeperTargets(report),
    ...composeTargets(report),
    ...remoteTargets(report),
  ];
}

function remoteTargets(report: BenchReport): TargetCheck[] {
  const scenario = report.planes.find((p) => p.file === 'scenarios/remote-ssh.ts');
  if (scenario === undefined || !scenario.outcome.ok) return [];
  const value = scenario.outcome.value as {
    adoption?: { instances: number; adoptMs: number; running: number; connections: number };
  };
  const a = value.adoption;
  if (a === undefined) return [];
  return [
    check(
      'remote-adopt',
      `SSH: adopting ${a.instances} remote instances after a host restart < 2 s`,
      `${ms(a.adoptMs)}, ${a.running} of ${a.instances} running`,
      a.adoptMs < 2000 && a.running === a.instances,
    ),
    check(
      'remote-one-link',
      'SSH: one connection per remote host, whatever the number of instances',
      `${a.connections} for ${a.instances} instances`,
      a.connections === 1,
    ),
  ];
}

function latencyTargets(report: BenchReport): TargetCheck[] {
  const exit = report.exit.ok ? summaries(report.exit.value) : new Map();
  const gwExit = exit.get('gameward')?.median ?? Number.NaN;
  const rawExit = exit.get(RAW)?.median ?? Number.NaN;
  const pm2Exit = exit.get('pm2')?.median ?? Number.NaN;
  const start = report.startStop.ok ? summaries(report.startStop.value.start) : new Map();
  const gwStart = start.get('gameward')?.median ?? Number.NaN;
  const rawStart = start.get(RAW)?.median ?? Number.NaN;
  const ready = report.ready.ok ? summaries(report.ready.value).get('gameward') : undefined;
  const readyMs = ready?.median ?? Number.NaN;
  return [
    check(
      'start-1.2x',
      "start (call → running) ≤ 1.2× raw spawn() → 'spawn'",
      versus(gwStart, rawStart),
      known(gwStart / rawStart) && gwStart / rawStart <= 1.2,
    ),
    check(
      'exit-1.2x',
      "exit detection (SIGKILL → crashed) ≤ 1.2× raw 'exit'",
      versus(gwExit, rawExit),
      known(gwExit / rawExit) && gwExit / rawExit <= 1.2,
    ),
    check(
      'exit-pm2',
      'exit detection ahead of PM2',
      `${ms(gwExit)} vs PM2 ${ms(pm2Exit)}`,
      known(pm2Exit) && gwExit < pm2Exit,
    ),
    check(
      'ready-5ms',
      'ready line → running median < 5 ms',
      ms(readyMs),
      known(readyMs) && readyMs < 5,
    ),
  ];
}

/** Median lines/s of one throughput variant. */
export function throughputRate(report: BenchReport, variant: ThroughputRun['variant']): number {
  const runs = okValues<ThroughputRun>(report.throughput).filter((r) => r.variant === variant);
  return median(runs.map((r) => r.linesPerSecond));
}

function throughputTargets(report: BenchReport): TargetCheck[] {
  const raw = throughputRate(report, 'raw');
  const share = throughputRate(report, 'gameward') / raw;
  const gwRuns = okValues<ThroughputRun>(report.throughput).filter((r) => r.variant !== 'raw');
  const growth = Math.max(...gwRuns.map((r) => r.peakRssBytes - r.baselineRssBytes));
  const complete = gwRuns.every((r) => r.lines === r.expected);
  return [
    check(
      'throughput-90',
      'output throughput ≥ 90% of a raw pipe read split into lines',
      `${(share * 100).toFixed(0)}%`,
      known(share) && share >= 0.9,
    ),
    check(
      'throughput-rss',
      'peak RSS bounded (growth < 64 MiB for 10^6 lines), no line lost',
      `${bytes(growth)} peak growth; ${complete ? 'every line received' : 'LINES LOST'}`,
      gwRuns.length > 0 ? growth < 64 * 1024 ** 2 && complete : undefined,
    ),
  ];
}

function scaleTargets(report: BenchReport): TargetCheck[] {
  const runs = okValues<ScaleRun>(report.scale);
  const gw = runs.find((r) => r.variant === 'gameward');
  const raw = runs.find((r) => r.variant === 'raw');
  const count = gw?.count ?? 1000;
  const p99 = gw?.storm.p99Ms ?? Number.NaN;
  const rawP99 = raw?.storm.p99Ms ?? Number.NaN;
  const heapAbove =
    (gw?.heapPerInstanceBytes ?? Number.NaN) - (raw?.heapPerInstanceBytes ?? Number.NaN);
  const pm2 = report.pm2Scale.ok ? report.pm2Scale.value : undefined;
  const gwRss = gw?.rssPerInstanceBytes ?? Number.NaN;
  const pm2Rss = pm2?.rssPerProcessBytes ?? Number.NaN;
  const timers = report.timers.ok ? report.timers.value.cases : undefined;
  return [
    check(
      'heap-10k',
      'host heap per running instance ≤ 10 KiB above a raw child with the same pipes',
      `${bytes(heapAbove)} above (${bytes(gw?.heapPerInstanceBytes ?? Number.NaN)} vs ${bytes(raw?.heapPerInstanceBytes ?? Number.NaN)})`,
      known(heapAbove) && heapAbove <= 10 * 1024,
    ),
    check(
      'rss-half-pm2',
      'host RSS per instance ≤ half of PM2’s (its God daemon’s)',
      `${bytes(gwRss)} vs PM2 ${bytes(pm2Rss)} (${((gwRss / pm2Rss) * 100).toFixed(0)}%)`,
      known(gwRss + pm2Rss) && gwRss <= pm2Rss / 2,
    ),
    check(
      'storm-1.5x',
      `crash storm of ${count}: event-loop delay p99 ≤ 1.5× raw child_process`,
      versus(p99, rawP99),
      known(p99 / rawP99) && p99 / rawP99 <= 1.5,
    ),
    check(
      'storm-lost',
      `crash storm of ${count}: every crash observed`,
      gw === undefined
        ? 'n/a'
        : (gw.storms ?? [gw.storm]).map((s) => `${s.observed} of ${gw.count}`).join(', '),
      gw === undefined
        ? undefined
        : (gw.storms ?? [gw.storm]).every((s) => s.observed === gw.count),
    ),
    check(
      'no-timer',
      'a running instance holds no timer',
      timers === undefined
        ? 'n/a'
        : timers
            .map((c) =>
              Object.entries(c.running)
                .map(([k, v]) => `${k} ×${v}`)
                .join(', '),
            )
            .join('; '),
      timers?.every((c) => c.running.Timeout === undefined && c.running.Immediate === undefined),
    ),
  ];
}

function keeperTargets(report: BenchReport): TargetCheck[] {
  const k = report.keeperScale.ok ? report.keeperScale.value : undefined;
  const start = report.startStop.ok ? summaries(report.startStop.value.start) : new Map();
  const exit = report.exit.ok ? summaries(report.exit.value) : new Map();
  const keptStart = start.get(KEPT)?.median ?? Number.NaN;
  const plainStart = start.get('gameward')?.median ?? Number.NaN;
  const keptExit = exit.get(KEPT)?.median ?? Number.NaN;
  const plainExit = exit.get('gameward')?.median ?? Number.NaN;
  const share = throughputRate(report, 'keeper') / throughputRate(report, 'raw');
  const mib = 1024 ** 2;
  return [
    check(
      'keeper-rss',
      'keeper ≤ 2 MiB RSS per instance (the keeper and its helpers)',
      k === undefined
        ? 'n/a'
        : `${bytes(k.treeRssBytes)} RSS summed (dash alone ${bytes(k.keeperRssBytes)}, + ${k.helpersPerInstance} helpers: ${k.helperNames.join(', ')}); PSS ${bytes(k.treePssBytes)}`,
      k === undefined ? undefined : k.treeRssBytes <= 2 * mib,
    ),
    check(
      'keeper-adopt',
      `adopting ${k?.count ?? 100} running instances (refresh() on a new host) < 1 s`,
      k === undefined ? 'n/a' : `${ms(k.adoptAllMs)}, ${k.adopted} of ${k.count} adopted`,
      k === undefined ? undefined : k.adoptAllMs < 1000 && k.adopted === k.count,
    ),
    check(
      'keeper-start-2x',
      'start → running with a keeper ≤ 2× the plain path',
      versus(keptStart, plainStart),
      known(keptStart / plainStart) && keptStart / plainStart <= 2,
    ),
    check(
      'keeper-exit-2x',
      'exit detection with a keeper ≤ 2× the plain path',
      versus(keptExit, plainExit),
      known(keptExit / plainExit) && keptExit / plainExit <= 2,
    ),
    check(
      'keeper-throughput-80',
      'output throughput through the keeper ≥ 80% of a raw pipe',
      `${(share * 100).toFixed(0)}%`,
      known(share) && share >= 0.8,
    ),
  ];
}

function composeTargets(report: BenchReport): TargetCheck[] {
  if (!report.compose.ok) return [];
  const c = report.compose.value as {
    killToCrashed?: { medianMs?: number };
    idle?: { spawnedPerMinute?: number; heldChildren?: unknown[] };
  };
  const kill = c.killToCrashed?.medianMs ?? Number.NaN;
  const spawned = c.idle?.spawnedPerMinute ?? Number.NaN;
  return [
    check(
      'compose-kill',
      'compose: docker kill → crashed median < 500 ms',
      ms(kill),
      known(kill) && kill < 500,
    ),
    check(
      'compose-idle',
      'compose: docker CLI processes spawned per minute while idle: 0',
      `${spawned} per minute (${c.idle?.heldChildren?.length ?? 'n/a'} long-lived held)`,
      known(spawned) && spawned === 0,
    ),
  ];
}
