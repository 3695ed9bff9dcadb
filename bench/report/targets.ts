import type { BenchReport, ScaleRun, ThroughputRun } from '../lib/results.js';
import { bytes, median, ms, RAW, ratio, summaries } from './format.js';

/** One target of issues 3, 5 and 7, checked against this run. */
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

export function checkTargets(report: BenchReport): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const exit = report.exit.ok ? summaries(report.exit.value) : new Map();
  const gwExit = exit.get('gameward')?.median ?? Number.NaN;
  const rawExit = exit.get(RAW)?.median ?? Number.NaN;
  const pm2Exit = exit.get('pm2')?.median ?? Number.NaN;
  const known = (x: number) => (Number.isFinite(x) ? true : undefined);
  checks.push(
    check('exit-5ms', 'exit detection median < 5 ms', ms(gwExit), known(gwExit) && gwExit < 5),
    check(
      'exit-2x',
      'exit detection within 2× raw child_process',
      `${ratio(gwExit / rawExit)} (${ms(gwExit)} vs ${ms(rawExit)})`,
      known(gwExit / rawExit) && gwExit / rawExit <= 2,
    ),
    check(
      'exit-pm2',
      'exit detection ahead of PM2',
      `${ms(gwExit)} vs PM2 ${ms(pm2Exit)}`,
      known(pm2Exit) && gwExit < pm2Exit,
    ),
  );

  const start = report.startStop.ok ? summaries(report.startStop.value.start) : new Map();
  const gwStart = start.get('gameward')?.median ?? Number.NaN;
  const rawStart = start.get(RAW)?.median ?? Number.NaN;
  checks.push(
    check(
      'start-1.5x',
      'start (call → running) within 1.5× raw spawn → spawn',
      `${ratio(gwStart / rawStart)} (${ms(gwStart)} vs ${ms(rawStart)})`,
      known(gwStart / rawStart) && gwStart / rawStart <= 1.5,
    ),
  );

  const ready = report.ready.ok ? summaries(report.ready.value).get('gameward') : undefined;
  const readyMs = ready?.median ?? Number.NaN;
  checks.push(
    check(
      'ready-5ms',
      'ready line → running median < 5 ms',
      ms(readyMs),
      known(readyMs) && readyMs < 5,
    ),
  );

  const runs = okValues<ThroughputRun>(report.throughput);
  const rate = (v: string) =>
    median(runs.filter((r) => r.variant === v).map((r) => r.linesPerSecond));
  const share = rate('gameward') / rate('raw');
  checks.push(
    check(
      'throughput-70',
      'output throughput ≥ 70% of a raw pipe read',
      `${(share * 100).toFixed(0)}%`,
      known(share) && share >= 0.7,
    ),
  );
  const gwRuns = runs.filter((r) => r.variant === 'gameward');
  const growth = Math.max(...gwRuns.map((r) => r.peakRssBytes - r.baselineRssBytes));
  const complete = gwRuns.every((r) => r.lines === r.expected);
  checks.push(
    check(
      'throughput-rss',
      'peak RSS bounded (growth < 64 MiB for 10^6 lines), no line lost',
      `${bytes(growth)} peak growth; ${complete ? 'every line received' : 'LINES LOST'}`,
      gwRuns.length > 0 ? growth < 64 * 1024 ** 2 && complete : undefined,
    ),
  );

  const gwScale = okValues<ScaleRun>(report.scale).find((r) => r.variant === 'gameward');
  const p99 = gwScale?.storm.p99Ms ?? Number.NaN;
  checks.push(
    check(
      'storm-p99',
      `crash storm of ${gwScale?.count ?? 1000}: event-loop delay p99 < 50 ms`,
      ms(p99),
      known(p99) && p99 < 50,
    ),
    check(
      'storm-lost',
      `crash storm of ${gwScale?.count ?? 1000}: no crash event lost`,
      gwScale === undefined ? 'n/a' : `${gwScale.storm.observed} of ${gwScale.count} observed`,
      gwScale === undefined ? undefined : gwScale.storm.observed === gwScale.count,
    ),
  );
  const pm2 = report.pm2Scale.ok ? report.pm2Scale.value : undefined;
  const gwRss = gwScale?.rssPerInstanceBytes ?? Number.NaN;
  const pm2Rss = pm2?.rssPerProcessBytes ?? Number.NaN;
  checks.push(
    check(
      'memory-pm2',
      'host memory per instance below PM2’s (RSS)',
      `${bytes(gwRss)} vs PM2 God daemon ${bytes(pm2Rss)}`,
      known(gwRss + pm2Rss) && gwRss < pm2Rss,
    ),
  );

  const timers = report.timers.ok ? report.timers.value.cases : undefined;
  const timerFree = timers?.every(
    (c) => c.running.Timeout === undefined && c.running.Immediate === undefined,
  );
  checks.push(
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
      timerFree,
    ),
  );
  if (report.compose.ok) {
    const c = report.compose.value as {
      killToCrashed?: { medianMs?: number };
      idle?: { spawnedPerMinute?: number; heldChildren?: unknown[] };
    };
    const kill = c.killToCrashed?.medianMs ?? Number.NaN;
    const spawned = c.idle?.spawnedPerMinute ?? Number.NaN;
    checks.push(
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
    );
  }
  return checks;
}
