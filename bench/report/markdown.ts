import type { BenchReport, Outcome, ScaleRun, ThroughputRun } from '../lib/results.js';
import { summarize } from '../lib/stats.js';
import { causeOf } from './causes.js';
import { bytes, latencyTable, ms, table } from './format.js';
import { checkTargets } from './targets.js';

const failed = (o: { ok: boolean; error?: string }): string =>
  `Not measured in this run: ${o.error ?? 'unknown failure'}`;

function section<T>(outcome: Outcome<T>, render: (value: T) => string): string {
  return outcome.ok ? render(outcome.value) : failed(outcome);
}

function throughputSection(outcomes: Outcome<ThroughputRun>[]): string {
  const runs = outcomes.flatMap((o) => (o.ok ? [o.value] : []));
  const errors = outcomes.flatMap((o) => (o.ok ? [] : [failed(o)]));
  const rows = (['raw', 'gameward'] as const).map((variant) => {
    const mine = runs.filter((r) => r.variant === variant);
    const rate = summarize(mine.map((r) => r.linesPerSecond / 1e6));
    const growth = summarize(mine.map((r) => r.peakRssBytes - r.baselineRssBytes));
    const lines = mine.map((r) => r.lines).join(', ');
    return [
      variant === 'raw' ? 'raw pipe, split into line strings' : '**gameward** `output` events',
      `${rate.median.toFixed(2)} M/s`,
      `${rate.min.toFixed(2)} – ${rate.max.toFixed(2)} M/s`,
      `${bytes(growth.median)} (max ${bytes(growth.max)})`,
      String(mine.length),
      lines === '' ? 'n/a' : mine.every((r) => r.lines === r.expected) ? 'all' : lines,
    ];
  });
  return [
    table(
      ['reader', 'lines/s median', 'min – max', 'peak RSS growth', 'runs', 'lines received'],
      rows,
    ),
    ...errors,
  ].join('\n\n');
}

function scaleSection(report: BenchReport): string {
  const runs = report.scale.flatMap((o) => (o.ok ? [o.value] : []));
  const pm2 = report.pm2Scale.ok ? report.pm2Scale.value : undefined;
  const columns = (['raw', 'execa', 'gameward'] as const).map((v) =>
    runs.find((r) => r.variant === v),
  );
  const row = (label: string, f: (r: ScaleRun) => string, pm2Cell: string): string[] => [
    label,
    ...columns.map((r) => (r === undefined ? 'n/a' : f(r))),
    pm2Cell,
  ];
  const p = (f: (x: NonNullable<typeof pm2>) => string, other = 'n/a'): string =>
    pm2 === undefined ? other : f(pm2);
  const rows = [
    row(
      'processes',
      (r) => String(r.count),
      p((x) => `${x.online} of ${x.count}`),
    ),
    row(
      'start all (concurrently)',
      (r) => ms(r.startAllMs),
      p((x) => ms(x.startAllMs)),
    ),
    row('host heap per instance', (r) => bytes(r.heapPerInstanceBytes), 'n/a (daemon)'),
    row(
      'host RSS per instance',
      (r) => bytes(r.rssPerInstanceBytes),
      p((x) => `${bytes(x.rssPerProcessBytes)} (God daemon)`),
    ),
    row(
      'storm: every crash observed after',
      (r) => ms(r.storm.durationMs),
      p((x) => ms(x.storm.durationMs)),
    ),
    row(
      'storm: crash events observed',
      (r) => String(r.storm.observed),
      p((x) => `${x.storm.observed} (bus exit events)`),
    ),
    row(
      'storm: event-loop delay p50 / p99 / max',
      (r) => `${ms(r.storm.p50Ms)} / ${ms(r.storm.p99Ms)} / ${ms(r.storm.maxMs)}`,
      'n/a (daemon)',
    ),
    row('storm: event-loop delay samples', (r) => String(r.storm.samples), ''),
  ];
  const errors = [...report.scale, report.pm2Scale].flatMap((o) => (o.ok ? [] : [failed(o)]));
  return [
    table(['', 'raw child_process', 'execa alone', '**gameward**', 'PM2'], rows),
    ...errors,
  ].join('\n\n');
}

function timersSection(report: BenchReport): string {
  return section(report.timers, (t) =>
    table(
      ['instance', `host handles added while running (after ${t.idleMs} ms idle)`, 'after stop()'],
      t.cases.map((c) => [
        c.name,
        Object.entries(c.running)
          .map(([k, v]) => `${k} ×${v}`)
          .join(', ') || 'none',
        Object.entries(c.stopped)
          .map(([k, v]) => `${k} ×${v}`)
          .join(', ') || 'none',
      ]),
    ),
  );
}

function composeSection(report: BenchReport): string {
  const c = report.compose;
  if (!c.ok) return 'skipped' in c ? `Not measured in this run: ${c.skipped}.` : failed(c);
  const rows = Object.entries(c.value).map(([k, v]) => [
    k,
    typeof v === 'number' ? String(Math.round(v * 100) / 100) : JSON.stringify(v),
  ]);
  return table(['measure (from bench/compose-exit.ts)', 'value'], rows);
}

export function renderMarkdown(report: BenchReport): string {
  const m = report.machine;
  const checks = checkTargets(report);
  const verdict = (met: boolean | undefined) =>
    met === undefined ? 'not measured' : met ? 'met' : '**missed**';
  const missed = checks.filter((c) => c.met === false);
  return `# Benchmarks

Written by \`npm run bench\` (bench/run.ts); do not edit by hand. Every number below comes from one
run, with every peer measured side by side on the same machine, interleaved round by round.

- Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB RAM, ${m.os}
- Node ${m.node}; run ${m.date}, took ${report.durationSeconds} s
- Peers: raw \`node:child_process\`, PM2 and respawn (development dependencies of bench/ only)

![Medians, with min–max whiskers, on a log scale](benchmarks.svg)

## Targets

${table(
  ['target', 'measured', 'verdict'],
  checks.map((c) => [c.target, c.measured, verdict(c.met)]),
)}

${missed.length === 0 ? 'Every measured target was met in this run.' : `## Missed targets: the gap and its cause\n\n${missed.map((c) => `- **${c.target}**: measured ${c.measured}. ${causeOf(c.id, report)}`).join('\n')}`}

## Exit detection

\`process.kill(pid, 'SIGKILL')\` of a running \`sleep\`, to the moment each supervisor reports it:
gameward's \`crashed\` state event, raw child_process's \`'exit'\`, PM2's bus \`process:event\`
\`exit\` (PM2's daemon sees the exit and tells the client over its socket), respawn's \`crash\`.

${section(report.exit, latencyTable)}

## Start

From the call to \`running\` for a \`sleep\` process: gameward \`start()\` to its \`running\`
event; raw \`spawn()\` to \`'spawn'\`; PM2 \`start()\` to its callback (process online); respawn
\`start()\` to the child's \`'spawn'\`.

${section(report.startStop, (v) => latencyTable(v.start))}

## Stop

From the call to \`stopped\` for a Node server that honours SIGTERM (and SIGINT, PM2's default):
gameward \`stop()\` to \`stopped\` (the whole process group is signalled and confirmed gone);
raw \`kill('SIGTERM')\` to \`'exit'\`; PM2 \`stop()\` to its callback; respawn \`stop()\` to its callback.

${section(report.startStop, (v) => latencyTable(v.stop))}

## Ready line → running

The server prints \`READY <ns>\` stamped with the monotonic clock (\`process.hrtime\`, shared by
every process on the machine); the latency is from that stamp to gameward's \`running\` event
(readiness pattern \`/^READY \\d+$/\`), against a raw pipe read that splits lines and tests the
same pattern.

${section(report.ready, latencyTable)}

## Output throughput

A child writes 10^6 lines (about 60 bytes each) as fast as the pipe takes them. Each run is its
own process, so its peak RSS (\`process.resourceUsage().maxRSS\`, minus the RSS before the run) is
its own. gameward keeps the default 1000-line replay ring and emits every line as an \`output\`
event (counted by a listener).

${throughputSection(report.throughput)}

## Scale: 1000 supervised processes in one host

1000 \`sleep\` processes started concurrently in one host process; memory after a forced GC,
divided by the count; then all 1000 are SIGKILLed in one loop and
\`perf_hooks.monitorEventLoopDelay\` (1 ms resolution) runs from the first kill until every
crash has been observed. PM2's column is its God daemon (its RSS from \`/proc/<pid>/status\`)
holding 1000 \`sleep\` apps, and the exit events its bus delivered. "execa alone" is gameward's
spawn layer (execa 9 with the same options) with nothing on top, to show where the cost lies.

${scaleSection(report)}

## A running instance holds no timer

\`process.getActiveResourcesInfo()\` of the host while an instance runs and sits idle, minus what
the host held before it was created: exit detection is event-driven, no poll.

${timersSection(report)}

## Compose

${composeSection(report)}

## Reproduce

\`npm ci && npm run bench\` (installs bench/'s peers with \`npm --prefix bench ci\`). PM2 runs with
\`PM2_HOME=bench/.tmp/pm2\`; its daemon is killed at the end, and the run fails if any process
it started outlives it${report.leaked.length > 0 ? ` (this run found ${report.leaked.length})` : ' (none did in this run)'}. Knobs: \`BENCH_ROUNDS\`,
\`BENCH_LINES\`, \`BENCH_SCALE\`, \`BENCH_THROUGHPUT_RUNS\`. Raw data: bench/.tmp/report.json.
Ratios are medians over medians; min–max shows the spread on a shared, noisy machine.
`;
}
